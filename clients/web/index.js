'use strict';
// parley-web: the web app's server. See lib/server.js and README.md.
module.exports = require('./lib/server');
