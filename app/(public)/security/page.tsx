import { getConfig } from "@/lib/config";
import { describeDeployment } from "@/lib/trust";
import { Card, PageHeading } from "@/app/_components/ui";

export const metadata = { title: "Security" };
export const dynamic = "force-dynamic";

export default function SecurityPage() {
  const facts = describeDeployment(getConfig());
  return (
    <div>
      <PageHeading
        title="Security at Rampart"
        lead="Every statement on this page is generated from the configuration this server is running with right now."
      />
      <div className="grid gap-4 md:grid-cols-2">
        {facts.map((f) => (
          <Card key={f.topic}>
            <h2 className="text-sm font-semibold uppercase tracking-wide text-brand-700 dark:text-brand-100">{f.topic}</h2>
            <p className="mt-2 font-medium">{f.statement}</p>
            <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{f.detail}</p>
          </Card>
        ))}
      </div>
    </div>
  );
}
