import fs from "node:fs/promises";
import path from "node:path";
import { notFound } from "next/navigation";
import { Card, PageHeading } from "@/app/_components/ui";
import { currentPolicyVersion, isPolicyDocument, policyChanges, policyTitles } from "@/lib/policies/registry";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ document: string }> }) {
  const { document } = await params;
  return { title: isPolicyDocument(document) ? policyTitles[document] : "Policy" };
}

/** The policy as committed in policies/<document>.md: headings and paragraphs, nothing else is used there. */
export default async function PolicyPage({ params }: { params: Promise<{ document: string }> }) {
  const { document } = await params;
  if (!isPolicyDocument(document)) notFound();
  const source = await fs.readFile(path.join(process.cwd(), "policies", `${document}.md`), "utf8");
  const blocks = source
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter((b) => b && !b.startsWith("# ") && !b.startsWith("Version:"));
  const current = currentPolicyVersion(document);
  return (
    <div className="flex flex-col gap-6">
      <PageHeading title={policyTitles[document]} lead={`Version ${current.version}. What changed: ${current.summary}`} />
      <Card className="flex flex-col gap-3">
        {blocks.map((b, i) =>
          b.startsWith("## ") ? (
            <h2 key={i} className="mt-2 text-lg font-semibold">
              {b.slice(3)}
            </h2>
          ) : (
            <p key={i}>{b.replace(/\n/g, " ")}</p>
          ),
        )}
      </Card>
      <Card>
        <h2 className="mb-2 text-lg font-semibold">Versions</h2>
        <ul className="list-disc pl-5 text-sm">
          {policyChanges()
            .filter((v) => v.document === document)
            .map((v) => (
              <li key={v.version}>
                <span className="font-medium">{v.version}</span>: {v.summary}
              </li>
            ))}
        </ul>
      </Card>
    </div>
  );
}
