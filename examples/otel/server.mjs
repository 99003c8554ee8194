// @ts-check
// OpenTelemetry spans from express-token-guard's diagnostics channels: the items API on an in-memory store,
// and a span for every lookup that reached the store (see store-spans.mjs), printed by the SDK's
// ConsoleSpanExporter.
//   node examples/otel/server.mjs
// With OTEL_DEMO_EXPORT=json, each span is printed instead as one line of JSON on stdout (for its test and
// for jq). A real application would export to a collector (OTLP) with a BatchSpanProcessor.
import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MemoryTokenStore } from 'express-token-guard';
import { demoTokens, itemsApi } from '../shared/demo-api.mjs';
import { closeOnSignal, curl, exitWithUsage, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';
import { traceStoreLookups } from './store-spans.mjs';

const USAGE = '[OTEL_DEMO_EXPORT=json] node examples/otel/server.mjs';
parseCommandLine(USAGE);
const format = process.env.OTEL_DEMO_EXPORT ?? 'console';
if (format !== 'console' && format !== 'json') exitWithUsage(USAGE, `OTEL_DEMO_EXPORT must be "json" or unset, not "${format}"`);
const address = listenAddress();

/** @type {import('@opentelemetry/sdk-trace-base').SpanExporter} */
const jsonLinesExporter = {
  export(spans, done) {
    for (const span of spans) {
      const [seconds, nanoseconds] = span.duration;
      const { name, attributes, status } = span;
      process.stdout.write(`${JSON.stringify({ name, attributes, status, durationMs: seconds * 1e3 + nanoseconds / 1e6 })}\n`);
    }
    done({ code: 0 }); // ExportResultCode.SUCCESS
  },
  shutdown: () => Promise.resolve(),
};
const exporter = format === 'json' ? jsonLinesExporter : new ConsoleSpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
const stopTracing = traceStoreLookups(trace.getTracer('express-token-guard-example'));

const { tokens, records } = demoTokens();
const unknownToken = randomBytes(32).toString('base64url');
const app = itemsApi(new MemoryTokenStore(records));

const server = listen(app, address, (origin) => {
  const url = `${origin}/api/items`;
  console.log(`express-token-guard with OpenTelemetry spans (${format}) listening on ${url}\n`);
  console.log(`A valid token (200; a span, outcome found):\n${curl(url, tokens.valid)}\n`);
  console.log(`An expired token (401 invalid_token; a span, outcome found: the store has it):\n${curl(url, tokens.expired)}\n`);
  console.log(`A token the store does not know (401 invalid_token; a span, outcome not_found):\n${curl(url, unknownToken)}\n`);
  console.log(`A token without the items:read scope (403 insufficient_scope; a span, outcome found):\n${curl(url, tokens.readOnly)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
});
closeOnSignal(server, async () => {
  stopTracing();
  await provider.shutdown();
});
