"use server";

import { z } from "zod";
import type { AccountFormState } from "@/app/_components/account-form";

const email = z.email().max(254);
const NOT_OPEN = "Accounts are not open on this server yet: sign-in, sign-up and password reset arrive with the accounts release.";

function keep(form: FormData, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, String(form.get(n) ?? "").slice(0, 254)]));
}

/** Validates like the real forms will, then says plainly that accounts are not open yet. */
async function notOpenYet(form: FormData, names: string[]): Promise<AccountFormState> {
  const values = keep(form, names);
  if (!email.safeParse(values.email).success) return { message: "Enter an email address such as name@example.org.", values };
  return { message: NOT_OPEN, values };
}

export async function signInAction(_: AccountFormState, form: FormData): Promise<AccountFormState> {
  return notOpenYet(form, ["email"]);
}

export async function signUpAction(_: AccountFormState, form: FormData): Promise<AccountFormState> {
  return notOpenYet(form, ["name", "email"]);
}

export async function forgotPasswordAction(_: AccountFormState, form: FormData): Promise<AccountFormState> {
  return notOpenYet(form, ["email"]);
}
