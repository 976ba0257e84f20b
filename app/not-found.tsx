import Link from "next/link";

export const metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <div className="mx-auto max-w-md py-16 text-center">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">There is nothing at this address, or you do not have access to it.</p>
      <Link href="/" className="mt-6 inline-block underline">
        Go to the start page
      </Link>
    </div>
  );
}
