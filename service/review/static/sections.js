// What each part of the structured summary looks like on the page and which fields can be edited.

export const STATUSES = [
  "signed", "endorsed", "announced", "agreed_in_principle", "under_negotiation", "proposed",
  "discussed", "rejected",
];

const join = (parts, sep) => parts.filter((p) => p !== null && p !== undefined && p !== "").join(sep);

export const SECTIONS = [
  {
    key: "participants",
    title: "Participants",
    noun: "participant",
    label: (p) => join([p.name, p.role], " — ") || "(no name or role)",
    meta: (p) => p.affiliation || "",
    fields: [
      { name: "name", label: "Name" },
      { name: "role", label: "Role" },
      { name: "affiliation", label: "Affiliation" },
    ],
  },
  {
    key: "agreements",
    title: "Agreements",
    noun: "agreement",
    label: (a) => a.title || "(untitled)",
    meta: (a) => join([a.kind, (a.parties || []).join(", ")], " · "),
    badge: (a) => a.status,
    fields: [
      { name: "title", label: "Title" },
      { name: "status", label: "Status", options: STATUSES },
      { name: "kind", label: "Kind" },
      { name: "parties", label: "Parties (comma-separated)", list: true },
    ],
  },
  {
    key: "topics",
    title: "Topics",
    noun: "topic",
    label: (t) => t.label,
    meta: () => "",
    fields: [{ name: "label", label: "Topic" }],
    noEvidence: true,
  },
  {
    key: "geopolitical_notes",
    title: "Geopolitical notes",
    noun: "note",
    label: (n) => n.note,
    meta: () => "",
    fields: [{ name: "note", label: "Note", long: true }],
  },
  {
    key: "event",
    title: "Event",
    noun: "event",
    single: true,
    label: (e) => e.name || "(unnamed event)",
    meta: (e) => join([e.date, e.place], " · "),
    fields: [
      { name: "name", label: "Name" },
      { name: "date", label: "Date" },
      { name: "place", label: "Place" },
    ],
    noEvidence: true,
  },
];

export const BY_KEY = Object.fromEntries(SECTIONS.map((s) => [s.key, s]));

/** The model's items of a section as a list (topics become {label}; the event a 0/1 list). */
export function modelItems(result, section) {
  const value = result[section.key];
  if (section.single) return value ? [value] : [];
  if (section.key === "topics") return (value || []).map((label) => ({ label }));
  return value || [];
}

export function fieldValue(item, field) {
  const v = item[field.name];
  if (field.list) return (v || []).join(", ");
  return v === null || v === undefined ? "" : String(v);
}

/** A form value back to the API's type: trimmed text, null when empty, lists split. */
export function parseField(field, raw) {
  const text = raw.trim();
  if (field.list) return text ? text.split(",").map((s) => s.trim()).filter(Boolean) : [];
  return text === "" ? null : text;
}

export function sameValue(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
