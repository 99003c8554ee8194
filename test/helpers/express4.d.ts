// The devDependency `express4` is `npm:express@4`; its API is the one @types/express describes.
declare module 'express4' {
  import express = require('express');
  export = express;
}
