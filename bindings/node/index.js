'use strict';
// The package: the generated classes (concierge.js) and the listing types.
const generated = require('./concierge.js');
const { Paginator, Page } = require('./runtime.js');

module.exports = { ...generated, Paginator, Page };
