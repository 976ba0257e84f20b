import { buildIfNeeded } from "./lib/build";
import { runCli } from "./lib/cli";

/** `next build` plus the source fingerprint `npm start` checks, so a built image (Dockerfile) starts without building again. */
runCli(async () => {
  if (!buildIfNeeded((line) => console.log(line))) console.log("The build is current.");
});
