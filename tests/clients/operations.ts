// Uses the types graphql-codegen generated from the SDL; `tsc --strict`
// must accept it (tests/integration/clients.rs).
import type { OfferOrder, Scalars } from "./schema-types";
import type { OffersForWorksCouncilsQuery, ChangesQuery } from "./operation-types";

type Node = OffersForWorksCouncilsQuery["offers"]["nodes"][number];

// Scalars are strings, not `any`/`unknown`: string methods type-check.
const day: Scalars["Date"]["output"] = "2016-11-21";
const order: OfferOrder = "TITLE_ASC";

function describe(offer: Node): string {
  // `provider` is non-null, `validFrom` nullable.
  const from: string = offer.validFrom?.slice(0, 4) ?? "open";
  const id: string = offer.id.toUpperCase();
  return `${id} ${offer.title} by ${offer.provider.name} from ${from} (changed ${offer.updatedAt.slice(0, 10)})`;
}

function lastSeq(feed: ChangesQuery): string | null {
  return feed.changes.nextCursor;
}

export { day, order, describe, lastSeq };
