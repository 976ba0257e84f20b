import { randomUUID } from "node:crypto";
import { actionAssignees, actions, actionTargets, contactListMembers, contactLists, reports, type ActionKind, type ContactAddress, type ReportOutcome } from "@/db/schema";
import { recordAuditEvent } from "@/lib/audit";
import { sealedActions, sealedReports } from "@/lib/contacts/sealed";
import { contactInputSchema, type ContactValues } from "@/lib/contacts/input";
import { insertContacts } from "@/lib/contacts/write-rows";
import { seedDemoImports } from "@/lib/imports/demo";
import type { Transaction } from "@/lib/db/client";
import { enterTenant } from "@/lib/db/tenant";
import { answersSchema, type SurveyAnswers } from "@/lib/reports/survey";

/**
 * The demo campaign's workspace: fictional people only (emails at example.org/.com/.net, UK phone numbers in
 * Ofcom's drama range +44 20 7946 0xxx, US ones at 555-01xx), fixed lists so every demo looks the same.
 */

const campaignPeople = [
  "Amara Okonkwo", "Tomasz Kowalczyk", "Mei Lin Chen", "Oliver Bennett", "Fatima Haddad", "Rhys Morgan", "Sofia Marquez", "Kwame Mensah",
  "Hannah Fischer", "Arjun Patel", "Chloé Dubois", "Yusuf Demir", "Niamh O'Connell", "Kenji Watanabe", "Grace Adeyemi", "Mateo Rossi",
  "Aisha Rahman", "Callum Fraser", "Elena Popescu", "Daniel Cohen", "Zainab Abdi", "Lucas Almeida", "Freya Lindqvist", "Omar Farouk",
  "Isla McKenzie", "Ravi Iyer", "Ingrid Johansson", "Samuel Osei", "Leila Karimi", "Patrick Byrne", "Ana Ferreira", "Hiroshi Tanaka",
  "Bethan Hughes", "Dmitri Volkov", "Nadia Benali", "George Whitfield", "Priya Nair", "Marcus Reid", "Yasmin Saleh", "Connor Walsh",
  "Thi Ha Nguyen", "Jonas Becker", "Adaeze Nwosu", "Seán Murphy", "Carlos Mendoza", "Eilidh Campbell", "Imran Qureshi", "Rosa Delgado",
  "Kofi Asante", "Maja Nowak", "Ethan Brooks", "Saanvi Reddy", "Femi Adebayo", "Clara Hoffmann", "Tariq Hussain", "Olga Petrova",
  "Jamal Williams", "Siobhan Kelly", "Marta Silva", "Ahmet Yılmaz", "Lucy Thornton", "Chidi Eze", "Gabriela Santos", "Ewan Stewart",
  "Noor Al-Sayed", "Pierre Lefebvre", "Zara Ahmed", "Tobias Wagner", "Ifeoma Obi", "Declan Doyle", "Mariam Jaber", "Alejandro Ruiz",
  "Harriet Cole", "Vikram Singh", "Katarzyna Wiśniewska", "Benjamin Adler", "Esi Boateng", "Rory Sinclair", "Leilani Kahale", "Robin Ashworth",
] as const;

/** The last campaign contact: the account that asks the demo campaign to delete its data uses this address. */
export const REQUESTER_EMAIL = "requester@example.org";

const syncedByVolunteer = ["Rosie Marsh", "Dev Malhotra", "Kemi Balogun", "Tom Hargreaves", "Lou Castillo"] as const;
const syncedByVolunteer2 = ["Beatriz Lopes", "Nikolai Orlov", "Sade Okafor"] as const;
const rivalPeople = ["Wendy Price", "Hassan Ali", "Greta Nilsson", "Paolo Conti", "Yaw Darko"] as const;

const ukStreets = ["Quince Lane", "Harbour Row", "Albion Street", "Mill Road", "Chestnut Avenue", "Foundry Close", "Orchard Way"];
const ukPostcodes = ["E8 1DY", "N16 7AB", "SE15 4QL", "E5 0PU", "N4 2HA", "SE5 8RS", "E9 6JN"];
const usStreets = ["Maple Street", "Lincoln Avenue", "Cedar Court", "Lakeview Drive", "Elm Street"];

export const demoTags = ["supporter", "donor", "undecided", "ward-3", "ward-5", "volunteer-lead"] as const;

const notes: Record<number, string> = {
  2: "Prefers a call after 6 pm.",
  7: "Offered their front garden for a poster.",
  12: "Spanish speaker; asked for leaflets in Spanish.",
  23: "Runs the residents' association newsletter.",
  41: "Do not call on Sundays.",
  58: "Interested in hosting a house meeting in the spring.",
};

/** ASCII local part of a display name: "Niamh O'Connell" → "niamh.oconnell". */
const localPart = (name: string) =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ı/g, "i")
    .toLowerCase()
    .replace(/[^a-z ]/g, "")
    .trim()
    .split(/\s+/)
    .join(".");

const domains = ["example.org", "example.com", "example.net"];

/** Person i of a list, with contact details by position: even positions in the UK, odd ones in the US. */
function person(name: string, i: number, extra: { tags?: string[]; notes?: string; email?: string } = {}): ContactValues {
  const uk = i % 2 === 0;
  const address: ContactAddress = uk
    ? { line1: `${(i * 7) % 90 + 2} ${ukStreets[i % ukStreets.length]}`, city: "London", postcode: ukPostcodes[i % ukPostcodes.length], country: "United Kingdom" }
    : { line1: `${(i * 13) % 900 + 100} ${usStreets[i % usStreets.length]}`, city: "Springfield", region: "IL", postcode: "62704", country: "United States" };
  return contactInputSchema.parse({
    name,
    email: extra.email ?? (i % 9 === 8 ? undefined : `${localPart(name)}@${domains[i % domains.length]}`),
    phone: i % 6 === 5 ? undefined : uk ? `+44 20 7946 0${String(100 + i * 11).padStart(3, "0").slice(-3)}` : `+1 217-555-01${String(i % 100).padStart(2, "0")}`,
    address,
    notes: extra.notes,
    tags: extra.tags ?? [],
  });
}

function campaignTags(i: number): string[] {
  const tags: string[] = [i % 2 === 0 ? "ward-3" : "ward-5"];
  if (i % 3 === 0) tags.push("supporter");
  if (i % 7 === 0) tags.push("donor");
  if (i % 5 === 1) tags.push("undecided");
  if (i % 19 === 4) tags.push("volunteer-lead");
  return tags;
}

const days = (n: number) => n * 86_400_000;

type SeedReport = { contact: string; by: string; action: string | null; outcome: ReportOutcome; daysAgo: number; answers?: SurveyAnswers };

export type DemoPeople = { owner: string; admin: string; volunteer: string; volunteer2: string; rivalOwner: string };

/** Contacts, lists, actions (one in the trash) and reports for demo-campaign; a few contacts for rival-campaign. */
export async function seedDemoWorkspace(tx: Transaction, orgs: { demo: string; rival: string }, p: DemoPeople, now = new Date()): Promise<void> {
  const orgId = orgs.demo;
  await enterTenant(tx, { orgId });
  const member = (id: string) => ({ kind: "member" as const, id });
  const at = (daysAgo: number) => new Date(now.getTime() - days(daysAgo));

  const values = campaignPeople.map((name, i) =>
    person(name, i, { tags: campaignTags(i), notes: notes[i], email: i === campaignPeople.length - 1 ? REQUESTER_EMAIL : undefined }),
  );
  // The first ten go to volunteer@, the next six to volunteer2@, the rest stay with the campaign.
  const forVolunteer = await insertContacts(tx, orgId, values.slice(0, 10), { source: "manual", createdBy: p.admin, assignedTo: p.volunteer });
  const forVolunteer2 = await insertContacts(tx, orgId, values.slice(10, 16), { source: "manual", createdBy: p.admin, assignedTo: p.volunteer2 });
  const unassigned = await insertContacts(tx, orgId, values.slice(16), { source: "manual", createdBy: p.owner });
  const campaign = [...forVolunteer, ...forVolunteer2, ...unassigned];
  for (const [i, id] of campaign.entries()) {
    await recordAuditEvent(tx, { orgId, actor: member(i < 16 ? p.admin : p.owner), action: "contact.created", target: { type: "contact", id }, metadata: { source: "manual" } });
    if (i < 16) await recordAuditEvent(tx, { orgId, actor: member(p.admin), action: "contact.assigned", target: { type: "contact", id } });
  }

  const synced1 = await insertContacts(tx, orgId, syncedByVolunteer.map((n, i) => person(n, 80 + i)), { source: "sync", syncedBy: p.volunteer, createdBy: p.volunteer });
  await recordAuditEvent(tx, { orgId, actor: member(p.volunteer), action: "contacts.synced", metadata: { count: synced1.length, format: "form" } });
  const synced2 = await insertContacts(tx, orgId, syncedByVolunteer2.map((n, i) => person(n, 85 + i)), { source: "sync", syncedBy: p.volunteer2, createdBy: p.volunteer2 });
  await recordAuditEvent(tx, { orgId, actor: member(p.volunteer2), action: "contacts.synced", metadata: { count: synced2.length, format: "csv" } });

  const ward5 = campaign.filter((_, i) => campaignTags(i).includes("ward-5")).slice(0, 24);
  const phoneBank = campaign.filter((_, i) => values[i]!.phone !== undefined).slice(0, 20);
  for (const [name, members] of [
    ["Ward 5 doors", ward5],
    ["Phone bank – week 1", phoneBank],
  ] as const) {
    const [list] = await tx.insert(contactLists).values({ orgId, name, createdBy: p.admin }).returning({ id: contactLists.id });
    await tx.insert(contactListMembers).values(members.map((contactId) => ({ listId: list!.id, contactId, orgId })));
    await recordAuditEvent(tx, { orgId, actor: member(p.admin), action: "contact_list.created" });
    await recordAuditEvent(tx, { orgId, actor: member(p.admin), action: "contact_list.changed", metadata: { added: members.length } });
  }

  const actionDefs: { kind: ActionKind; title: string; instructions: string; startsIn: number; hours: number; assignees: string[]; targets: string[]; deletedDaysAgo?: number }[] = [
    {
      kind: "call",
      title: "Phone bank – week 1",
      instructions: "Introduce yourself as a volunteer with the campaign. Ask whether they will support us on polling day, what matters most to them, and whether they would like to help. Log every call, even when nobody answers.",
      startsIn: 2,
      hours: 3,
      assignees: [p.volunteer],
      targets: forVolunteer,
    },
    {
      kind: "text",
      title: "Reminder texts for Saturday's canvass",
      instructions: "Send the approved text: remind them of Saturday's canvass at 10 am from the community hall. Reply STOP handling is automatic.",
      startsIn: 4,
      hours: 2,
      assignees: [p.volunteer2],
      targets: forVolunteer2,
    },
    {
      kind: "canvass",
      title: "Ward 5 door knock",
      instructions: "Meet at the community hall on Albion Street at 10 am. Work in pairs, one side of the street each. Leave a leaflet where nobody answers.",
      startsIn: 6,
      hours: 4,
      assignees: [p.volunteer, p.volunteer2],
      targets: [...forVolunteer, ...forVolunteer2],
    },
    {
      kind: "event",
      title: "Community town hall on housing",
      instructions: "Doors open 6.30 pm at St Mary's Hall. Volunteers needed at the sign-in table and for the microphone runners.",
      startsIn: 13,
      hours: 2,
      assignees: [p.admin],
      targets: [],
    },
    {
      kind: "petition",
      title: "Safer crossings petition",
      instructions: "Ask undecided residents to sign for a zebra crossing outside the primary school. Signatures close at the end of the month.",
      startsIn: 20,
      hours: 8,
      assignees: [p.admin, p.owner],
      targets: unassigned.filter((_, i) => campaignTags(i + 16).includes("undecided")),
    },
    {
      kind: "canvass",
      title: "Leaflet drop (cancelled)",
      instructions: "Superseded by the Ward 5 door knock.",
      startsIn: 1,
      hours: 2,
      assignees: [p.volunteer],
      targets: forVolunteer.slice(0, 3),
      deletedDaysAgo: 3,
    },
  ];
  const actionIds: string[] = [];
  for (const def of actionDefs) {
    const id = randomUUID();
    actionIds.push(id);
    const startsAt = new Date(now.getTime() + days(def.startsIn));
    startsAt.setUTCHours(10, 0, 0, 0);
    const deletedAt = def.deletedDaysAgo === undefined ? null : at(def.deletedDaysAgo);
    await tx.insert(actions).values(
      await sealedActions.seal(tx, {
        id,
        orgId,
        kind: def.kind,
        title: def.title,
        instructions: def.instructions,
        startsAt,
        endsAt: new Date(startsAt.getTime() + def.hours * 3_600_000),
        createdBy: p.admin,
        deletedAt,
        deletedBy: deletedAt ? p.admin : null,
      }),
    );
    await tx.insert(actionAssignees).values(def.assignees.map((userId) => ({ actionId: id, userId, orgId })));
    if (def.targets.length) await tx.insert(actionTargets).values(def.targets.map((contactId) => ({ actionId: id, contactId, orgId })));
    await recordAuditEvent(tx, { orgId, actor: member(p.admin), action: "action.created", target: { type: "action", id } });
    if (deletedAt) await recordAuditEvent(tx, { orgId, actor: member(p.admin), action: "action.deleted", target: { type: "action", id } });
  }
  const [callAction, textAction] = actionIds;

  // Through the survey's own schema, so the demo never holds an answer the report pages cannot show.
  const reached = (support: string, wantsVolunteer: string, topIssue: string, followUp: string) =>
    answersSchema.parse({ support, wants_volunteer: wantsVolunteer, top_issue: topIssue, follow_up: followUp });
  const seedReports: SeedReport[] = [
    { contact: forVolunteer[0]!, by: p.volunteer, action: callAction!, outcome: "reached", daysAgo: 0, answers: reached("strong_support", "yes", "housing", "no") },
    { contact: forVolunteer[1]!, by: p.volunteer, action: callAction!, outcome: "reached", daysAgo: 1, answers: reached("lean_support", "yes", "transport", "yes") },
    { contact: forVolunteer[2]!, by: p.volunteer, action: callAction!, outcome: "no_answer", daysAgo: 1 },
    { contact: forVolunteer[3]!, by: p.volunteer, action: callAction!, outcome: "left_message", daysAgo: 2 },
    { contact: forVolunteer[4]!, by: p.volunteer, action: callAction!, outcome: "reached", daysAgo: 3, answers: reached("undecided", "no", "jobs", "yes") },
    { contact: forVolunteer[5]!, by: p.volunteer, action: callAction!, outcome: "refused", daysAgo: 5 },
    { contact: forVolunteer[6]!, by: p.volunteer, action: callAction!, outcome: "reached", daysAgo: 8, answers: reached("lean_oppose", "no", "safety", "no") },
    { contact: synced1[0]!, by: p.volunteer, action: null, outcome: "reached", daysAgo: 4, answers: reached("strong_support", "yes", "education", "no") },
    { contact: forVolunteer2[0]!, by: p.volunteer2, action: textAction!, outcome: "reached", daysAgo: 0, answers: reached("lean_support", "no", "health", "no") },
    { contact: forVolunteer2[1]!, by: p.volunteer2, action: textAction!, outcome: "wrong_number", daysAgo: 2 },
    { contact: forVolunteer2[2]!, by: p.volunteer2, action: textAction!, outcome: "reached", daysAgo: 6, answers: reached("strong_support", "yes", "environment", "yes") },
    { contact: forVolunteer2[3]!, by: p.volunteer2, action: textAction!, outcome: "moved", daysAgo: 9 },
  ];
  for (const r of seedReports) {
    const id = randomUUID();
    const completedAt = at(r.daysAgo);
    await tx.insert(reports).values(
      await sealedReports.seal(tx, {
        id,
        orgId,
        contactId: r.contact,
        actionId: r.action,
        filedBy: r.by,
        outcome: r.outcome,
        answers: r.answers ?? null,
        completedAt,
        createdAt: completedAt,
        updatedAt: completedAt,
      }),
    );
    await recordAuditEvent(tx, { orgId, actor: member(r.by), action: "report.filed", target: { type: "report", id }, metadata: { outcome: r.outcome } });
    await recordAuditEvent(tx, { orgId, actor: member(r.by), action: "report.completed", target: { type: "report", id } });
  }
  const draft = randomUUID();
  await tx.insert(reports).values(
    await sealedReports.seal(tx, { id: draft, orgId, contactId: forVolunteer2[4]!, actionId: textAction!, filedBy: p.volunteer2, outcome: "no_answer", answers: null }),
  );
  await recordAuditEvent(tx, { orgId, actor: member(p.volunteer2), action: "report.filed", target: { type: "report", id: draft }, metadata: { outcome: "no_answer", draft: true } });

  await seedDemoImports(tx, orgId, p.admin, now);

  await enterTenant(tx, { orgId: orgs.rival });
  const rival = await insertContacts(tx, orgs.rival, rivalPeople.map((n, i) => person(n, 200 + i, { tags: ["supporter"] })), { source: "manual", createdBy: p.rivalOwner });
  for (const id of rival)
    await recordAuditEvent(tx, { orgId: orgs.rival, actor: member(p.rivalOwner), action: "contact.created", target: { type: "contact", id }, metadata: { source: "manual" } });
}
