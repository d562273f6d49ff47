//! The map of North Rhine-Westphalia's 53 districts for the dashboard:
//! the BKG's district boundaries (VG5000, 01.01.2021, dl-de/by-2-0;
//! simplified copy in `api/assets/nrw-kreise.geojson`, keyed by the
//! official district key the regions carry as `ars`), projected once into
//! SVG paths. Drawn on the server: the map needs no script and no tile
//! server. Rejected: a client-side D3 map (a bundle to build and vendor for
//! a fixed set of 53 shapes).
use std::sync::OnceLock;

/// The attribution the BKG's licence asks for wherever the map is shown.
pub const ATTRIBUTION: &str = "© GeoBasis-DE / BKG (2021), dl-de/by-2-0; Daten verändert (NRW-Kreise ausgewählt, nach WGS84 umgerechnet, vereinfacht)";

/// Width of the map's SVG coordinate space; the height follows the shape.
pub const WIDTH: f64 = 600.0;

/// One district's outline.
#[derive(Debug)]
pub struct District {
    /// Official district key (Amtlicher Regionalschlüssel, 5 digits).
    pub ars: String,
    /// SVG path data in the map's coordinates.
    pub path: String,
}

/// Every district, projected.
#[derive(Debug)]
pub struct Map {
    /// The 53 districts.
    pub districts: Vec<District>,
    /// Height of the coordinate space (the width is [`WIDTH`]).
    pub height: f64,
}

/// A district's rings of (longitude, latitude) points.
type Rings = Vec<Vec<(f64, f64)>>;

static MAP: OnceLock<Result<Map, String>> = OnceLock::new();

/// The map, projected on first use.
///
/// Errors: the shipped file does not parse (a unit test keeps it whole).
pub fn map() -> Result<&'static Map, String> {
    MAP.get_or_init(|| project(include_str!("../../assets/nrw-kreise.geojson")))
        .as_ref()
        .map_err(Clone::clone)
}

/// Projects GeoJSON MultiPolygons (WGS84) with an equirectangular
/// projection at NRW's mean latitude: over 2.5° of latitude its distortion
/// is under 2 %, plenty for a choropleth.
fn project(geojson: &str) -> Result<Map, String> {
    let doc: serde_json::Value = serde_json::from_str(geojson).map_err(|e| e.to_string())?;
    let features = doc["features"].as_array().ok_or("no features")?;
    let mut shapes: Vec<(String, Rings)> = Vec::new();
    for feature in features {
        let ars = feature["properties"]["ars"]
            .as_str()
            .ok_or("a feature without `ars`")?;
        let mut rings = Vec::new();
        for polygon in feature["geometry"]["coordinates"]
            .as_array()
            .ok_or("no coordinates")?
        {
            for ring in polygon.as_array().ok_or("no rings")? {
                let points = ring
                    .as_array()
                    .ok_or("no points")?
                    .iter()
                    .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                    .collect::<Option<Vec<_>>>()
                    .ok_or("a point is not [lon, lat]")?;
                rings.push(points);
            }
        }
        shapes.push((ars.to_owned(), rings));
    }
    let all = || shapes.iter().flat_map(|(_, r)| r.iter().flatten());
    let min_lon = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let max_lon = all().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let min_lat = all().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max_lat = all().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if !(min_lon < max_lon && min_lat < max_lat) {
        return Err("no extent".into());
    }
    let squeeze = ((min_lat + max_lat) / 2.0).to_radians().cos();
    let scale = WIDTH / ((max_lon - min_lon) * squeeze);
    let height = (max_lat - min_lat) * scale;
    let districts = shapes
        .into_iter()
        .map(|(ars, rings)| {
            let mut path = String::new();
            for ring in rings {
                for (i, (lon, lat)) in ring.iter().enumerate() {
                    let x = (lon - min_lon) * squeeze * scale;
                    let y = (max_lat - lat) * scale;
                    path.push_str(&format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }));
                }
                path.push('Z');
            }
            District { ars, path }
        })
        .collect();
    Ok(Map { districts, height })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_map_has_nrws_53_districts() {
        let map = super::map().expect("the map parses");
        assert_eq!(map.districts.len(), 53);
        assert!(
            map.districts
                .iter()
                .all(|d| d.ars.len() == 5 && d.ars.starts_with("05"))
        );
        assert!(map.height > 300.0 && map.height < 800.0, "{}", map.height);
    }
}
