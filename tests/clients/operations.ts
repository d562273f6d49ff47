// Uses the types graphql-codegen generated from the SDL; `tsc --strict`
// must accept it (tests/integration/clients.rs).
import type { OfferOrder, Scalars } from "./schema-types";
import type { OffersForWorksCouncilsQuery, ChangesQuery, RetitleOfferMutation } from "./operation-types";

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

// A write's outcome is data: the record, or typed errors (`code` is an enum).
// The payload itself is null only when the request failed as a whole
// (no key, no scope): then the response's `errors` say why.
function outcome(result: RetitleOfferMutation): string {
  if (result.updateOffer === null || result.updateOffer === undefined) return "not allowed";
  const { record, errors } = result.updateOffer;
  if (record !== null && record !== undefined) return `${record.title} is now ${record.etag}`;
  return errors
    .map((e) => (e.code === "PRECONDITION_FAILED" ? `stale, now ${e.etag ?? "?"}` : `${e.code} at ${e.field ?? "(record)"}: ${e.message}`))
    .join("; ");
}

export { day, order, describe, lastSeq, outcome };
