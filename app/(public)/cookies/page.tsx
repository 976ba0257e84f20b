import { CONSENT_POLICY_VERSION } from "@/lib/privacy/consent-policy";
import { Card, PageHeading } from "@/app/_components/ui";

export const metadata = { title: "Cookie policy" };

const rows = [
  { name: "rampart-consent", category: "Strictly necessary", purpose: "Remembers your cookie choice and its proof id.", lifetime: "180 days" },
  { name: "rampart-session", category: "Strictly necessary", purpose: "Keeps you signed in.", lifetime: "24 hours at most" },
  {
    name: "rampart-device",
    category: "Strictly necessary",
    purpose: "Set when you sign in or reset your password: recognises this browser as one you used before, so a flood of wrong passwords at your account never locks you out of it. Void once your password changes.",
    lifetime: "90 days",
  },
  { name: "rampart-theme", category: "Preferences", purpose: "Remembers your colour theme.", lifetime: "1 year" },
];

export default function CookiesPage() {
  return (
    <div>
      <PageHeading
        title="Cookie policy"
        lead={`Version ${CONSENT_POLICY_VERSION}. Served over HTTPS, cookie names carry the __Host- prefix. Change your choice at any time with “Cookie settings” in the footer.`}
      />
      <Card>
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Cookies Rampart may set</caption>
          <thead>
            <tr className="border-b border-slate-200 dark:border-slate-700">
              <th scope="col" className="py-2 pr-4">Cookie</th>
              <th scope="col" className="py-2 pr-4">Category</th>
              <th scope="col" className="py-2 pr-4">Purpose</th>
              <th scope="col" className="py-2">Lifetime</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                <td className="py-2 pr-4 font-mono">{r.name}</td>
                <td className="py-2 pr-4">{r.category}</td>
                <td className="py-2 pr-4">{r.purpose}</td>
                <td className="py-2">{r.lifetime}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
