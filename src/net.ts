// `ringsock/net`: node:net's API on the backend the registry chose.
// Until TCP on rings lands this is Node's own module (issue: node:net on io_uring).
import nodeNet = require('node:net');
export = nodeNet;
