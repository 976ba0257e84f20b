import { createLocalBlobStore } from "@/lib/storage";
import { runJobAndDie } from "@/lib/testing/killed-job";
import { ROTATE_DATA_KEY_JOB, rotateDataKeyHandler } from "./rotation";

/** Run as a child process by rotation-kill.test.ts: the rotation, 5 rows a step, killed after the given steps. */
void runJobAndDie(ROTATE_DATA_KEY_JOB, ({ blobDir }) => rotateDataKeyHandler(createLocalBlobStore(blobDir), { rowsPerStep: 5 }));
