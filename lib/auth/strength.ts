import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as english from "@zxcvbn-ts/language-en";

/** Minimum zxcvbn score (0-4). No composition rules: length and unpredictability are what count. */
export const MIN_PASSWORD_SCORE = 3;
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 512;

let estimator: ZxcvbnFactory | undefined;
function getEstimator(): ZxcvbnFactory {
  // The common-password and name dictionaries ship with @zxcvbn-ts/language-common and -en.
  estimator ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
    useLevenshteinDistance: true,
  });
  return estimator;
}

export type StrengthResult = { ok: true; score: number } | { ok: false; score: number; reason: string };

/** Scores a password with the person's own name and email as context, and explains a refusal. */
export function assessPassword(password: string, context: { name?: string; email?: string } = {}): StrengthResult {
  if (password.length < MIN_PASSWORD_LENGTH) return { ok: false, score: 0, reason: `Use at least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words make a good passphrase.` };
  if (password.length > MAX_PASSWORD_LENGTH) return { ok: false, score: 0, reason: `Use at most ${MAX_PASSWORD_LENGTH} characters.` };
  const inputs = [context.name, context.email, ...(context.email?.split(/[@.+_-]/) ?? []), ...(context.name?.split(/\s+/) ?? []), "rampart", "campaign"].filter(
    (v): v is string => Boolean(v && v.length > 1),
  );
  // Score the first 128 characters: beyond that a passphrase is strong anyway, and the estimator slows down.
  const result = getEstimator().check(password.slice(0, 128), inputs);
  if (result.score >= MIN_PASSWORD_SCORE) return { ok: true, score: result.score };
  const explanation = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(" ");
  return {
    ok: false,
    score: result.score,
    reason: `This password is too easy to guess${explanation ? `: ${explanation}` : "."} Try a longer passphrase of unrelated words.`,
  };
}
