"""Drives the generated Python client (openapi-python-client) against a
running Lotse: a list with two filters given as arrays, one offer, a
search. Prints what it got as JSON; type-checked with mypy --strict."""

import json
import sys

from lotse_client import Client
from lotse_client.api.offers import get_offer, list_offers
from lotse_client.api.search import search_all
from lotse_client.models import (
    ListOffersFieldsItem,
    Offer,
    OfferPage,
    OfferPageFields,
    SearchPage,
    TargetGroup,
)


def main(base_url: str) -> None:
    client = Client(base_url=base_url, raise_on_unexpected_status=True)
    page = list_offers.sync(
        client=client,
        topic=["digitalisierung", "qualifizierung"],
        target_group=[TargetGroup.WORKS_COUNCIL, TargetGroup.SME],
        limit=50,
    )
    assert isinstance(page, OfferPage), page
    first = page.items[0]
    offer = get_offer.sync(client=client, key=first.slug)
    assert isinstance(offer, Offer), offer
    assert offer.id == first.id
    # A sparse fieldset parses as the page's `…Fields` variant.
    sparse = list_offers.sync(
        client=client,
        fields=[ListOffersFieldsItem.TITLE, ListOffersFieldsItem.SLUG],
        limit=50,
    )
    assert isinstance(sparse, OfferPageFields), sparse
    hits = search_all.sync(client=client, q="Förderung", limit=5)
    assert isinstance(hits, SearchPage), hits
    print(
        json.dumps(
            {
                "offers": [o.slug for o in page.items],
                "offer": offer.slug,
                "provider": offer.provider.slug,
                "hits": [h.slug for h in hits.items],
                "sparse": [o.slug for o in sparse.items],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
