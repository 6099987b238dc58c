'use strict';
// The package: the generated classes (concierge.js) and the listing types. Each export is named
// so that ES modules can `import { Concierge } from '@concierge/sdk'`.
const generated = require('./concierge.js');
const runtime = require('./runtime.js');

exports.Admin = generated.Admin;
exports.Concierge = generated.Concierge;
exports.SandboxControls = generated.SandboxControls;
exports.OPERATIONS = generated.OPERATIONS;
exports.Paginator = runtime.Paginator;
exports.Page = runtime.Page;
