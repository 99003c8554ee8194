// @ts-check
// A module resolve hook (node:module register) that makes `import … from 'express'` load the dev dependency
// express4 (npm:express@4), as if Express 4 were what the application had installed.

/** @type {import('node:module').ResolveHook} */
export const resolve = (specifier, context, nextResolve) => nextResolve(specifier === 'express' ? 'express4' : specifier, context);
