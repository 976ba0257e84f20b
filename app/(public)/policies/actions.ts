"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getServices } from "@/lib/services";
import { sessionAction } from "@/lib/http/action";
import { markPoliciesRead } from "@/lib/policies/notices";

export const markPoliciesReadAction = sessionAction(z.object({}), async (_input, { session }) => {
  const { db } = await getServices();
  await markPoliciesRead(db, session.user.id);
  revalidatePath("/", "layout");
  return { ok: true, message: "Thank you: marked as read." };
});
