import Link from "next/link";
import { Card } from "./_components/ui";

const promises = [
  { title: "Isolated by design", text: "Three independent walls keep each campaign's data to itself." },
  { title: "Encrypted at rest", text: "Personal data is encrypted with OpenPGP AES-256 under keys the server holds." },
  { title: "Every action on record", text: "An append-only audit log feeds the activity feed your team sees." },
];

export default async function HomePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { notice } = await searchParams;
  return (
    <div className="flex flex-col gap-10">
      {notice === "account-deleted" && (
        <p role="status" data-testid="account-deleted-notice" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">
          Your account was deleted, with your sessions and the contacts you synced. You have been signed out.
        </p>
      )}
      <section className="max-w-2xl">
        <h1 className="text-4xl font-bold tracking-tight">Campaign data your security reviewer can trust.</h1>
        <p className="mt-4 text-lg text-slate-600 dark:text-slate-400">
          Contacts, actions and volunteers for political and advocacy campaigns — with volunteers seeing only what they need.
        </p>
        <div className="mt-6 flex gap-3">
          <Link href="/signup" className="rounded-md bg-brand-600 px-4 py-2 font-semibold text-white hover:bg-brand-700">
            Create an account
          </Link>
          <Link href="/security" className="rounded-md border border-slate-300 px-4 py-2 font-semibold hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
            How we protect data
          </Link>
        </div>
      </section>
      <section aria-label="What Rampart promises" className="grid gap-4 md:grid-cols-3">
        {promises.map((p) => (
          <Card key={p.title}>
            <h2 className="font-semibold">{p.title}</h2>
            <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{p.text}</p>
          </Card>
        ))}
      </section>
    </div>
  );
}
