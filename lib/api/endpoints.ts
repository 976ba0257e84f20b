import { z } from "zod";
import { deletionDeclineReasons } from "@/db/schema/workspace";
import { auditCategories } from "@/lib/audit/categories";
import { newCampaignActionSchema } from "@/lib/campaign-actions/input";
import { contactEditSchema, contactInputSchema, tagsSchema } from "@/lib/contacts/input";
import { listNameSchema } from "@/lib/contacts/lists";
import { reportInputSchema } from "@/lib/reports/reports";
import { uuidSchema } from "@/lib/validation/ids";
import { apiScopes } from "@/lib/tenancy/permissions";
import { defineEndpoint, type ApiEndpoint } from "./endpoint";

/** Every endpoint of /api/v1, read by the route handlers and by the OpenAPI document alike. */

const idParams = z.object({ id: uuidSchema });
const cursor = z.string().max(200).optional().describe("Opaque cursor from the previous page's nextCursor");

/** The person's password and, when they have enrolled one, a second factor: fresh authentication for a token. */
const NO_NUL = /^[^\u0000]*$/;
const credentials = {
  email: z.string().trim().min(1).max(320).regex(NO_NUL, "Contains a NUL character"),
  password: z.string().min(1).max(1024),
  totpCode: z.string().trim().max(16).regex(NO_NUL, "Contains a NUL character").optional().describe("Six-digit code from the authenticator app, when enrolled"),
  recoveryCode: z.string().trim().max(64).regex(NO_NUL, "Contains a NUL character").optional().describe("One of the person's recovery codes, instead of totpCode"),
};

const tokenAnswer = z.object({ id: z.uuid(), token: z.string().describe("The secret, shown once: rpt_…"), expiresAt: z.iso.datetime() });

export const endpoints = {
  createToken: defineEndpoint({
    method: "POST",
    path: "/tokens",
    tag: "Tokens",
    summary: "Issue a token for one campaign (password and second factor; rate-limited like sign-in)",
    auth: "credentials",
    body: z
      .object({
        ...credentials,
        campaign: z.string().min(1).max(64).describe("The campaign's slug"),
        name: z.string().trim().min(1).max(80),
        scopes: z.array(z.enum(apiScopes)).min(1).max(apiScopes.length),
      })
      .strict(),
    response: tokenAnswer.extend({ scopes: z.array(z.enum(apiScopes)) }),
    successStatus: 201,
  }),
  renewToken: defineEndpoint({
    method: "POST",
    path: "/tokens/{id}/renew",
    tag: "Tokens",
    summary: "A new secret and 24 more hours for a live token (password and second factor again)",
    auth: "credentials",
    params: idParams,
    body: z.object(credentials).strict(),
    response: tokenAnswer,
  }),
  listTokens: defineEndpoint({
    method: "GET",
    path: "/tokens",
    tag: "Tokens",
    summary: "The caller's tokens in this campaign, with last use",
    auth: { scope: null, permission: "org:view" },
  }),
  revokeToken: defineEndpoint({
    method: "DELETE",
    path: "/tokens/{id}",
    tag: "Tokens",
    summary: "Revoke one of the caller's tokens (the presented one too)",
    auth: { scope: null, permission: "org:view" },
    params: idParams,
    successStatus: 204,
  }),
  listContacts: defineEndpoint({
    method: "GET",
    path: "/contacts",
    tag: "Contacts",
    summary:
      "Contacts the token's person may see, newest first, with the contacts page's filters (q finds by email or phone exactly, or by name); keyset pages through nextCursor; total is exact up to 10,000, or 1,000 with a filter (totalExact false: at least that many)",
    auth: { scope: "contacts:read", permission: ["contacts:read", "contacts:read_assigned"] },
    query: z
      .object({
        q: z.string().max(200).optional(),
        tag: z.string().max(40).optional(),
        listId: uuidSchema.optional(),
        assignedTo: z.union([uuidSchema, z.literal("none")]).optional(),
        limit: z.coerce.number().int().min(1).max(100).optional(),
        cursor,
      })
      .strict(),
  }),
  createContact: defineEndpoint({
    method: "POST",
    path: "/contacts",
    tag: "Contacts",
    summary: "Add a contact (admins)",
    auth: { scope: "contacts:write", permission: "contacts:write" },
    body: contactInputSchema.extend({ assignedTo: uuidSchema.nullable().optional() }).strict(),
    successStatus: 201,
  }),
  getContact: defineEndpoint({
    method: "GET",
    path: "/contacts/{id}",
    tag: "Contacts",
    summary: "One contact, in the shape the person may see",
    auth: { scope: "contacts:read", permission: ["contacts:read", "contacts:read_assigned"] },
    params: idParams,
  }),
  updateContact: defineEndpoint({
    method: "PATCH",
    path: "/contacts/{id}",
    tag: "Contacts",
    summary: "Replace a contact's editable fields",
    auth: { scope: "contacts:write", permission: "contacts:write" },
    params: idParams,
    body: contactEditSchema,
  }),
  deleteContact: defineEndpoint({
    method: "DELETE",
    path: "/contacts/{id}",
    tag: "Contacts",
    summary: "Delete a contact",
    auth: { scope: "contacts:write", permission: "contacts:write" },
    params: idParams,
    successStatus: 204,
  }),
  listLists: defineEndpoint({
    method: "GET",
    path: "/lists",
    tag: "Contacts",
    summary: "The campaign's contact lists with member counts",
    auth: { scope: "contacts:read", permission: ["contacts:read", "contacts:read_assigned"] },
  }),
  createList: defineEndpoint({
    method: "POST",
    path: "/lists",
    tag: "Contacts",
    summary: "Create a contact list",
    auth: { scope: "contacts:write", permission: "contacts:write" },
    body: z.object({ name: listNameSchema }).strict(),
    successStatus: 201,
  }),
  addListMember: defineEndpoint({
    method: "POST",
    path: "/lists/{id}/contacts",
    tag: "Contacts",
    summary: "Put a contact on a list (no change if it is already there)",
    auth: { scope: "contacts:write", permission: "contacts:write" },
    params: idParams,
    body: z.object({ contactId: uuidSchema }).strict(),
  }),
  removeListMember: defineEndpoint({
    method: "DELETE",
    path: "/lists/{id}/contacts/{contactId}",
    tag: "Contacts",
    summary: "Take a contact off a list",
    auth: { scope: "contacts:write", permission: "contacts:write" },
    params: z.object({ id: uuidSchema, contactId: uuidSchema }),
    successStatus: 204,
  }),
  setContactTags: defineEndpoint({
    method: "PUT",
    path: "/contacts/{id}/tags",
    tag: "Contacts",
    summary: "Replace a contact's tags",
    auth: { scope: "contacts:write", permission: "contacts:write" },
    params: idParams,
    body: z.object({ tags: tagsSchema }).strict(),
  }),
  listTags: defineEndpoint({
    method: "GET",
    path: "/tags",
    tag: "Contacts",
    summary: "Tags in use on the contacts the person may see in full",
    auth: { scope: "contacts:read", permission: ["contacts:read", "contacts:read_assigned"] },
  }),
  listActions: defineEndpoint({
    method: "GET",
    path: "/actions",
    tag: "Actions",
    summary: "Actions (volunteers: those given to them), newest first; keyset pages through nextCursor",
    auth: { scope: "actions:read", permission: ["actions:read", "actions:read_assigned"] },
    query: z.object({ cursor }).strict(),
  }),
  createAction: defineEndpoint({
    method: "POST",
    path: "/actions",
    tag: "Actions",
    summary: "Create an action with its assignees and targets",
    auth: { scope: "actions:write", permission: "actions:write" },
    body: newCampaignActionSchema,
    successStatus: 201,
  }),
  getAction: defineEndpoint({
    method: "GET",
    path: "/actions/{id}",
    tag: "Actions",
    summary: "One action",
    auth: { scope: "actions:read", permission: ["actions:read", "actions:read_assigned"] },
    params: idParams,
  }),
  deleteAction: defineEndpoint({
    method: "DELETE",
    path: "/actions/{id}",
    tag: "Actions",
    summary: "Move an action to the trash (restorable)",
    auth: { scope: "actions:write", permission: "actions:write" },
    params: idParams,
    successStatus: 204,
  }),
  restoreAction: defineEndpoint({
    method: "POST",
    path: "/actions/{id}/restore",
    tag: "Actions",
    summary: "Restore an action from the trash",
    auth: { scope: "actions:write", permission: "actions:restore" },
    params: idParams,
  }),
  listReports: defineEndpoint({
    method: "GET",
    path: "/reports",
    tag: "Reports",
    summary: "Completed reports (readers) or the person's own reports (volunteers)",
    auth: { scope: "reports:read", permission: ["reports:read", "reports:file"] },
    query: z.object({ cursor, mine: z.enum(["true", "false"]).optional() }).strict(),
  }),
  fileReport: defineEndpoint({
    method: "POST",
    path: "/reports",
    tag: "Reports",
    summary: "File a report on a contact (a draft, or complete)",
    auth: { scope: "reports:write", permission: "reports:file" },
    body: reportInputSchema,
    successStatus: 201,
  }),
  listActivity: defineEndpoint({
    method: "GET",
    path: "/activity",
    tag: "Activity",
    summary: "The activity feed as the person may see it, keyset pages (older with cursor)",
    auth: { scope: "activity:read", permission: ["activity:read", "activity:read_own"] },
    query: z.object({ cursor: z.string().regex(/^[1-9]\d{0,14}$/, "Unknown cursor").optional().describe("nextCursor of the previous page"), category: z.enum(auditCategories).optional(), limit: z.coerce.number().int().min(1).max(200).optional() }).strict(),
  }),
  listImports: defineEndpoint({
    method: "GET",
    path: "/imports",
    tag: "Imports",
    summary: "The campaign's imports, newest first (file name, who, counts, status); keyset pages through nextCursor",
    auth: { scope: "imports:read", permission: "imports:manage" },
    query: z.object({ cursor }).strict(),
  }),
  getImport: defineEndpoint({
    method: "GET",
    path: "/imports/{id}",
    tag: "Imports",
    summary: "The status of one import job: rows done of total, created, updated, skipped, refused, time left",
    auth: { scope: "imports:read", permission: "imports:manage" },
    params: idParams,
  }),
  listDeletionRequests: defineEndpoint({
    method: "GET",
    path: "/deletion-requests",
    tag: "Deletion requests",
    summary: "Deletion requests addressed to the campaign: pending ones by due date, then decided ones, newest first; keyset pages through nextCursor",
    auth: { scope: "contacts:write", permission: "deletion_requests:manage" },
    query: z.object({ cursor }).strict(),
  }),
  fulfilDeletionRequest: defineEndpoint({
    method: "POST",
    path: "/deletion-requests/{id}/fulfil",
    tag: "Deletion requests",
    summary: "Delete what the campaign holds on the person and close the request",
    auth: { scope: "contacts:write", permission: "deletion_requests:manage" },
    params: idParams,
  }),
  declineDeletionRequest: defineEndpoint({
    method: "POST",
    path: "/deletion-requests/{id}/decline",
    tag: "Deletion requests",
    summary: "Decline a deletion request with a reason",
    auth: { scope: "contacts:write", permission: "deletion_requests:manage" },
    params: idParams,
    body: z.object({ reason: z.enum(deletionDeclineReasons) }).strict(),
  }),
  openapi: defineEndpoint({
    method: "GET",
    path: "/openapi.json",
    tag: "Reference",
    summary: "This document",
    auth: "public",
  }),
} satisfies Record<string, ApiEndpoint>;
