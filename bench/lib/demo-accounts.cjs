// Preloaded (NODE_OPTIONS --require) into the server bench/login.ts starts: bench/lib/server.ts starts
// every server with RAMPART_DEMO=0, and the login bench needs the demo accounts. Only `next start`
// is affected (its children inherit the variable), never a build.
if (process.argv.includes("start")) process.env.RAMPART_DEMO = "1";
