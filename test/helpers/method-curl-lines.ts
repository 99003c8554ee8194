/**
 * A curl line an example prints for a request other than GET (`curl(url, token, ['-X POST', …])`), which
 * CURL cannot read: what it shows, the status it promises, the method, a JSON body, the Authorization
 * header and the URL.
 */
export const METHOD_CURL = /^(.+) \((\d{3})[^)]*\):\n {2}curl -i -X ([A-Z]+) (?:-H 'Content-Type: application\/json' -d '([^']*)' )?-H 'Authorization: ([^']+)' (\S+)$/gm;

/** Sends the request of every curl line of `output` with a method, in turn: [what, promised status, method, status, challenge, JSON body or null]. */
export async function answerMethodCurlLines(output: string): Promise<Array<[string, number, string, number, string | null, unknown]>> {
  const answers: Array<[string, number, string, number, string | null, unknown]> = [];
  for (const [, what, promised, method, body, authorization, url] of output.matchAll(METHOD_CURL)) {
    const headers: Record<string, string> = { Authorization: authorization as string };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url as string, { method: method as string, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    answers.push([what as string, Number(promised), method as string, res.status, res.headers.get('www-authenticate'), text === '' ? null : JSON.parse(text)]);
  }
  return answers;
}
