"""Streets, parking zones and housing estates of the demo borough, by ward name.

Street names are real Camden streets in (or at the edge of) each ward. Zone codes follow Camden's "CA-x" style but
are indicative, not the council's zone map, and estate/block names are partly real, partly made up; the demo needs
plausible places, not a gazetteer. A ward missing from these lists (another council's seed) gets generic names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etl.generate import geo
from etl.generate.common import Wards, boundaries_path, stream

STREETS = {
    "Belsize": ["Belsize Park Gardens", "Belsize Avenue", "England's Lane", "Haverstock Hill", "Belsize Lane",
                "Glenloch Road", "Belsize Grove", "Howitt Road", "Primrose Gardens", "Lambolle Road", "Belsize Park"],
    "Bloomsbury": ["Gower Street", "Bedford Square", "Russell Square", "Great Russell Street", "Tottenham Court Road",
                   "Store Street", "Montague Street", "Bloomsbury Street", "Torrington Place", "Chenies Street",
                   "Goodge Street", "Charlotte Street", "Bedford Avenue", "Alfred Place"],
    "Camden Square": ["Camden Square", "Camden Road", "York Way", "Agar Grove", "Murray Street", "Camden Mews",
                      "Cantelowes Road", "Rochester Square", "Stratford Villas", "North Villas"],
    "Camden Town": ["Camden High Street", "Parkway", "Arlington Road", "Bayham Street", "Pratt Street",
                    "Plender Street", "Delancey Street", "Jamestown Road", "Inverness Street", "Oval Road",
                    "Greenland Road", "Chalk Farm Road", "Camden Lock Place"],
    "Fortune Green": ["Fortune Green Road", "Mill Lane", "Fordwych Road", "Agamemnon Road", "Ajax Road",
                      "Achilles Road", "Menelik Road", "Burrard Road", "Hillfield Road", "Gondar Gardens"],
    "Frognal": ["Frognal", "Finchley Road", "Arkwright Road", "Redington Road", "Templewood Avenue",
                "Fitzjohn's Avenue", "Netherhall Gardens", "Frognal Lane", "Oak Hill Park", "Platt's Lane"],
    "Gospel Oak": ["Mansfield Road", "Gordon House Road", "Lamble Street", "Southampton Road", "Agincourt Road",
                   "Lismore Circus", "Queen's Crescent", "Grafton Road", "Savernake Road", "Oak Village"],
    "Hampstead Town": ["Heath Street", "Hampstead High Street", "Flask Walk", "Well Walk", "Church Row",
                       "Rosslyn Hill", "Downshire Hill", "Willoughby Road", "South End Road", "Pond Street",
                       "Keats Grove", "East Heath Road"],
    "Haverstock": ["Prince of Wales Road", "Malden Road", "Ferdinand Street", "Crogsland Road", "Harmood Street",
                   "Castle Road", "Weedington Road", "Queen's Crescent", "Adelaide Road", "Haverstock Hill"],
    "Highgate": ["Highgate Road", "Highgate West Hill", "Swain's Lane", "Dartmouth Park Hill",
                 "Dartmouth Park Road", "Chetwynd Road", "York Rise", "Raydon Street", "Croftdown Road",
                 "Highgate High Street"],
    "Holborn & Covent Garden": ["High Holborn", "Kingsway", "Drury Lane", "Long Acre", "Shaftesbury Avenue",
                                "Neal Street", "Endell Street", "Southampton Row", "Lamb's Conduit Street",
                                "Theobalds Road", "Red Lion Street", "Great Queen Street", "Monmouth Street",
                                "New Oxford Street", "Museum Street", "Chancery Lane", "Lincoln's Inn Fields"],
    "Kentish Town North": ["Leighton Road", "Brecknock Road", "Fortess Road", "Lady Margaret Road",
                           "Torriano Avenue", "Leverton Street", "Bartholomew Road", "Lupton Street",
                           "Ospringe Road"],
    "Kentish Town South": ["Kentish Town Road", "Royal College Street", "Camden Street", "Kelly Street",
                           "Hawley Road", "Caversham Road", "Islip Street", "Greenwood Place", "Castlehaven Road"],
    "Kilburn": ["Kilburn High Road", "Belsize Road", "Abbey Road", "Kilburn Vale", "Quex Road", "Kingsgate Road",
                "Mazenod Avenue", "Priory Road", "Springfield Lane", "Boundary Road"],
    "King's Cross": ["Euston Road", "Pancras Road", "Argyle Street", "Judd Street", "Cromer Street",
                     "Caledonian Road", "Gray's Inn Road", "Birkenhead Street", "Regent Square", "Leigh Street",
                     "Marchmont Street", "Tavistock Place", "Argyle Square"],
    "Primrose Hill": ["Regent's Park Road", "Gloucester Avenue", "Chalcot Road", "Fitzroy Road", "Chalcot Square",
                      "Princess Road", "Erskine Road", "King Henry's Road", "Primrose Hill Road", "Elsworthy Road"],
    "Regent's Park": ["Albany Street", "Robert Street", "Osnaburgh Street", "Hampstead Road", "Euston Street",
                      "Drummond Street", "Cumberland Market", "Park Village East", "Stanhope Street",
                      "Warren Street", "Great Portland Street", "Longford Street"],
    "St Pancras & Somers Town": ["Chalton Street", "Ossulston Street", "Phoenix Road", "Eversholt Street",
                                 "Werrington Street", "Polygon Road", "Goldington Crescent", "Crowndale Road",
                                 "Oakley Square", "Churchway", "Midland Road", "Brill Place", "Camley Street"],
    "South Hampstead": ["Fairfax Road", "Greencroft Gardens", "Compayne Gardens", "Goldhurst Terrace",
                        "Canfield Gardens", "Aberdare Gardens", "Fairhazel Gardens", "Finchley Road",
                        "Eton Avenue", "Swiss Cottage"],
    "West Hampstead": ["West End Lane", "Broadhurst Gardens", "Iverson Road", "Sumatra Road",
                       "Dennington Park Road", "Lymington Road", "Cannon Hill", "Sherriff Road", "Inglewood Road",
                       "Narcissus Road"],
}

ZONES = {
    "Belsize": ["CA-B"], "Bloomsbury": ["CA-E", "CA-G"], "Camden Square": ["CA-N"],
    "Camden Town": ["CA-F(S)", "CA-D"], "Fortune Green": ["CA-Q"], "Frognal": ["CA-V", "CA-H"],
    "Gospel Oak": ["CA-K"], "Hampstead Town": ["CA-H"], "Haverstock": ["CA-F(N)"], "Highgate": ["CA-U"],
    "Holborn & Covent Garden": ["CA-C", "CA-E"], "Kentish Town North": ["CA-K"],
    "Kentish Town South": ["CA-F(N)", "CA-K"], "Kilburn": ["CA-Q", "CA-M"], "King's Cross": ["CA-D", "CA-E"],
    "Primrose Hill": ["CA-P"], "Regent's Park": ["CA-R"], "St Pancras & Somers Town": ["CA-D", "CA-J"],
    "South Hampstead": ["CA-S"], "West Hampstead": ["CA-W"],
}

# How much on-street parking enforcement a ward sees relative to its population: the West End, the stations and
# the town centres take far more tickets than the residential north-west.
PARKING_INTENSITY = {
    "Holborn & Covent Garden": 3.2, "Bloomsbury": 2.6, "Camden Town": 2.6, "King's Cross": 2.1,
    "St Pancras & Somers Town": 1.5, "Regent's Park": 1.3, "Hampstead Town": 1.3, "Kilburn": 1.1,
    "West Hampstead": 1.0, "Kentish Town South": 1.0, "Belsize": 0.8, "South Hampstead": 0.8, "Haverstock": 0.8,
    "Camden Square": 0.8, "Primrose Hill": 0.8, "Kentish Town North": 0.7, "Gospel Oak": 0.6, "Frognal": 0.6,
    "Fortune Green": 0.6, "Highgate": 0.6,
}

ESTATES = {
    "Belsize": ["Antrim Grove", "Belsize Park Estate"],
    "Bloomsbury": ["Tybalds Estate", "Brunswick Square", "Herbrand Street"],
    "Camden Square": ["Agar Grove Estate", "Maiden Lane Estate", "Camden Road Estate"],
    "Camden Town": ["Curnock Street Estate", "Plender Street Estate", "Arlington Road Estate"],
    "Fortune Green": ["Fordwych Road Estate", "Mill Lane Estate"],
    "Frognal": ["Branch Hill Estate"],
    "Gospel Oak": ["Lismore Circus", "Bacton Low Rise", "Wendling Estate", "Kiln Place"],
    "Hampstead Town": ["New End Estate", "Heath Street Estate"],
    "Haverstock": ["Maitland Park Estate", "Chalcots Estate", "Weedington Road Estate"],
    "Highgate": ["Whittington Estate", "Highgate New Town", "Holly Lodge Estate"],
    "Holborn & Covent Garden": ["Bourne Estate", "Holborn Estate", "Covent Garden Estate"],
    "Kentish Town North": ["Denton Estate", "Ospringe Road Estate"],
    "Kentish Town South": ["Peckwater Estate", "Raglan Estate", "Castlehaven Estate"],
    "Kilburn": ["Kilburn Vale Estate", "Abbey Estate", "Webheath Estate"],
    "King's Cross": ["Cromer Street Estate", "Argyle Estate", "Regent Square Estate"],
    "Primrose Hill": ["Juniper Crescent", "Chalk Farm Estate"],
    "Regent's Park": ["Regent's Park Estate", "Cumberland Market Estate", "Ampthill Estate North"],
    "St Pancras & Somers Town": ["Ampthill Square Estate", "Ossulston Estate", "Churchway Estate",
                                 "Somers Town Estate"],
    "South Hampstead": ["Alexandra and Ainsworth Estate", "Fairfax Estate"],
    "West Hampstead": ["Sidney Boyd Court Estate", "West End Lane Estate"],
}

BLOCK_WORDS = ["Oakley", "Fenton", "Ashdown", "Beckford", "Cranleigh", "Dunstan", "Elmore", "Farrier", "Garnett",
               "Hatton", "Ingram", "Jessop", "Kenbrook", "Larch", "Medway", "Norland", "Orchard", "Penrose",
               "Quarry", "Radnor", "Selsdon", "Thornton", "Underhill", "Vale", "Wexford", "Yardley", "Ashford",
               "Bramley", "Coleridge", "Darwin", "Eliot", "Faraday", "Gaskell", "Hardy", "Keats", "Lister",
               "Milton", "Newton", "Orwell", "Pepys", "Ruskin", "Shelley", "Turner", "Wren"]
BLOCK_KINDS = ["House", "Court", "Lodge", "Point", "Mansions", "Close"]


def streets_of(ward_name: str) -> list[str]:
    return STREETS.get(ward_name, [f"{ward_name} High Street", f"{ward_name} Road", f"{ward_name} Avenue"])


def zones_of(ward_name: str) -> list[str]:
    return ZONES.get(ward_name, ["CPZ-1"])


def parking_intensity(ward_name: str) -> float:
    return PARKING_INTENSITY.get(ward_name, 1.0)


def estates_of(ward_name: str) -> list[str]:
    return ESTATES.get(ward_name, [f"{ward_name} Estate"])


@dataclass(frozen=True)
class StreetGrid:
    """Every street of the borough with its ward, zone and a few fixed points on it.

    Tickets and bays sit on those points rather than on fresh random points, so a street's tickets cluster as they
    do in real data, and every point is inside the street's ward.
    """

    name: np.ndarray        # street name, per street
    ward: np.ndarray        # ward index, per street
    zone: np.ndarray        # zone code, per street
    lon: np.ndarray         # (streets, points) longitude, 6 decimals
    lat: np.ndarray
    easting: np.ndarray     # (streets, points) metres, whole
    northing: np.ndarray

    def __len__(self) -> int:
        return len(self.name)


def street_grid(wards: Wards, seed: int, points_per_street: int = 12) -> StreetGrid:
    rng = stream(seed, "geo", "streets")
    shapes = geo.load_shapes(boundaries_path())
    names, ward_index, zones, lons, lats = [], [], [], [], []
    for w, (code, ward_name) in enumerate(zip(wards.codes, wards.names, strict=True)):
        streets = streets_of(ward_name)
        ward_zones = zones_of(ward_name)
        lon, lat = geo.points_in(shapes[code], len(streets) * points_per_street, rng)
        for s, street in enumerate(streets):
            names.append(street)
            ward_index.append(w)
            zones.append(ward_zones[s % len(ward_zones)])
            lons.append(lon[s * points_per_street:(s + 1) * points_per_street])
            lats.append(lat[s * points_per_street:(s + 1) * points_per_street])
    lon, lat = np.array(lons), np.array(lats)
    easting, northing = geo.wgs84_to_osgb(lon, lat)
    return StreetGrid(np.array(names, dtype=object), np.array(ward_index), np.array(zones, dtype=object),
                      lon, lat, np.rint(easting), np.rint(northing))
