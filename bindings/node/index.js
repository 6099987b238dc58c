'use strict';
// The package: the generated classes (concierge.js), the listing types and `providerError` for
// adapters written in JavaScript. Each export is named so that ES modules can
// `import { Concierge } from '@concierge/sdk'`.
const generated = require('./concierge.js');
const runtime = require('./runtime.js');

exports.Admin = generated.Admin;
exports.Concierge = generated.Concierge;
exports.SandboxControls = generated.SandboxControls;
exports.OPERATIONS = generated.OPERATIONS;
exports.Paginator = runtime.Paginator;
exports.Page = runtime.Page;
exports.providerError = runtime.providerError;
