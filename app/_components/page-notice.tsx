"use client";

import { usePathname } from "next/navigation";
import { createContext, useCallback, useContext, useState, type ReactNode } from "react";
import type { FormState } from "@/lib/http/action";

const NoticeContext = createContext<(message: string | null) => void>(() => {});

/**
 * A status line at the top of the page for results whose form disappears with its row (a request
 * fulfilled, contacts deleted, an action restored): the page refreshes, the message stays. Cleared on navigation.
 */
export function PageNoticeProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<string | null>(null);
  const pathname = usePathname();
  const [shownOn, setShownOn] = useState(pathname);
  if (shownOn !== pathname) {
    setShownOn(pathname);
    setNotice(null);
  }
  return (
    <NoticeContext.Provider value={setNotice}>
      {notice && (
        <p
          role="status"
          data-testid="page-notice"
          className="mb-6 flex items-start justify-between gap-3 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
        >
          <span>{notice}</span>
          <button type="button" onClick={() => setNotice(null)} className="rounded px-1 font-semibold hover:bg-emerald-100 dark:hover:bg-emerald-900" aria-label="Dismiss this message">
            ×
          </button>
        </p>
      )}
      {children}
    </NoticeContext.Provider>
  );
}

type FormAction = (state: FormState, form: FormData) => Promise<FormState>;

/**
 * Wraps a form's server action so a success also shows in the page notice. The notice is set when the action
 * answers, not from the form's own state: the revalidated page may remove the form in the same render.
 */
export function useAnnouncingAction(action: FormAction, enabled = true): FormAction {
  const announce = useContext(NoticeContext);
  return useCallback(
    async (state: FormState, form: FormData) => {
      const result = await action(state, form);
      if (enabled && result.ok && result.message) announce(result.message);
      return result;
    },
    [action, announce, enabled],
  );
}
