import type { paths, components } from "./lotse";

type OfferPage = components["schemas"]["OfferPage"];
type Offer = components["schemas"]["Offer"];
type ListQuery = NonNullable<paths["/api/v1/offers"]["get"]["parameters"]["query"]>;

const query: ListQuery = { topic: ["digitalisierung"], target_group: ["sme", "works_council"], fields: ["id", "title"], sort: "-updated_at" };
function titles(page: OfferPage): string[] {
  // next_cursor is always sent (null on the last page): no `undefined` here.
  const next: string | null = page.next_cursor;
  return page.items.map((o: Offer) => o.title + (o.project === null ? "" : ` (${o.project.name})`) + (next ?? ""));
}
export { query, titles };
