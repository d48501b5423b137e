//! Geospatial functions: `geo_*` (points, lines, polygons, geohash, S2 and H3 cells).

use super::*;

/// Geospatial functions, sorted by name; merged into [`FUNCTIONS`] by [`merge`].
#[rustfmt::skip]
pub(super) const GEO: &[Function] = &[
    // hidden from IntelliSense (still accepted)
    // __geo_length_to_s2cell_level(length: Number)
    Function { name: "__geo_length_to_s2cell_level", kind: Kind::Scalar, signatures: &[
        sig(&[NUM], 1, Returns::Fixed(Type::Int)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_line_s2cell_covering_level(lineString: DynamicBag)
    Function { name: "__geo_line_s2cell_covering_level", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Int)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_line_validate(lineString: DynamicBag)
    Function { name: "__geo_line_validate", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::String)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_polygon_s2cell_covering_level(polygon: DynamicBag)
    Function { name: "__geo_polygon_s2cell_covering_level", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Int)),
    ] },
    // hidden from IntelliSense (still accepted)
    // __geo_polygon_validate(polygon: DynamicBag)
    Function { name: "__geo_polygon_validate", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::String)),
    ] },
    // geo_angle(p1_longitude: Number, p1_latitude: Number, p2_longitude: Number, p2_latitude: Number,
    //     p3_longitude: Number, p3_latitude: Number)
    Function { name: "geo_angle", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM, NUM], 6, Returns::Fixed(Type::Real)),
    ] },
    // geo_azimuth(p1_longitude: Number, p1_latitude: Number, p2_longitude: Number, p2_latitude: Number)
    Function { name: "geo_azimuth", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM], 4, Returns::Fixed(Type::Real)),
    ] },
    // geo_closest_point_on_line(longitude: Number, latitude: Number, lineString: DynamicBag) -- Kusto.Language:
    //     GeoShape
    Function { name: "geo_closest_point_on_line", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_closest_point_on_polygon(longitude: Number, latitude: Number, polygon: DynamicBag) -- Kusto.Language:
    //     GeoShape
    Function { name: "geo_closest_point_on_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_distance_2points(p1_longitude: Number, p1_latitude: Number, p2_longitude: Number, p2_latitude: Number,
    //     use_spheroid: NumberOrBool?)
    Function { name: "geo_distance_2points", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NOB], 4, Returns::Fixed(Type::Real)),
    ] },
    // geo_distance_point_to_line(longitude: Number, latitude: Number, lineString: DynamicBag)
    Function { name: "geo_distance_point_to_line", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Real)),
    ] },
    // geo_distance_point_to_polygon(longitude: Number, latitude: Number, polygon: DynamicBag)
    Function { name: "geo_distance_point_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Real)),
    ] },
    // geo_from_wkt(wkt: StringOrArray) -- Kusto.Language: GeoShape
    Function { name: "geo_from_wkt", kind: Kind::Scalar, signatures: &[sig(&[SOA], 1, Returns::Fixed(Type::Dynamic))] },
    // geo_geohash_neighbors(geohash: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_geohash_neighbors", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_geohash_to_central_point(geohash: string) -- Kusto.Language: GeoShape
    Function { name: "geo_geohash_to_central_point", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_geohash_to_polygon(geohash: string) -- Kusto.Language: GeoShape
    Function { name: "geo_geohash_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_children(h3cell: string, resolution: Number?) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_h3cell_children", kind: Kind::Scalar, signatures: &[
        sig(&[S, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_level(h3cell: string)
    Function { name: "geo_h3cell_level", kind: Kind::Scalar, signatures: &[sig(&[S], 1, Returns::Fixed(Type::Int))] },
    // geo_h3cell_neighbors(h3cell: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_h3cell_neighbors", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_parent(h3cell: string, resolution: Number?)
    Function { name: "geo_h3cell_parent", kind: Kind::Scalar, signatures: &[
        sig(&[S, NUM], 1, Returns::Fixed(Type::String)),
    ] },
    // geo_h3cell_rings(h3cell: string, distance: Number) -- Kusto.Language: DynamicArrayOfArrayOfString
    Function { name: "geo_h3cell_rings", kind: Kind::Scalar, signatures: &[
        sig(&[S, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_to_central_point(h3cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_h3cell_to_central_point", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_h3cell_to_polygon(h3cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_h3cell_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_info_from_ip_address(ip: string)
    Function { name: "geo_info_from_ip_address", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersection_2lines(lineString1: DynamicBag, lineString2: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_intersection_2lines", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersection_2polygons(polygon1: DynamicBag, polygon2: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_intersection_2polygons", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersection_line_with_polygon(lineString: DynamicBag, polygon: DynamicBag) -- Kusto.Language:
    //     GeoShape
    Function { name: "geo_intersection_line_with_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_intersects_2lines(lineString1: DynamicBag, lineString2: DynamicBag)
    Function { name: "geo_intersects_2lines", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Bool)),
    ] },
    // geo_intersects_2polygons(polygon1: DynamicBag, polygon2: DynamicBag)
    Function { name: "geo_intersects_2polygons", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Bool)),
    ] },
    // geo_intersects_line_with_polygon(lineString: DynamicBag, polygon: DynamicBag)
    Function { name: "geo_intersects_line_with_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[DB, DB], 2, Returns::Fixed(Type::Bool)),
    ] },
    // geo_line_buffer(lineString: DynamicBag, radius: Number, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_line_buffer", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_centroid(lineString: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_line_centroid", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_densify(lineString: DynamicBag, tolerance: Number?, preserve_crossing: NumberOrBool?) --
    //     Kusto.Language: GeoShape
    Function { name: "geo_line_densify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NOB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_interpolate_point(lineString: DynamicBag, fraction: Number) -- Kusto.Language: GeoShape
    Function { name: "geo_line_interpolate_point", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_length(lineString: DynamicBag)
    Function { name: "geo_line_length", kind: Kind::Scalar, signatures: &[sig(&[DB], 1, Returns::Fixed(Type::Real))] },
    // geo_line_locate_point(lineString: DynamicBag, longitude: Number, latitude: Number, use_spheroid:
    //     NumberOrBool?)
    Function { name: "geo_line_locate_point", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM, NOB], 3, Returns::Fixed(Type::Real)),
    ] },
    // geo_line_simplify(lineString: DynamicBag, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_line_simplify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_line_to_s2cells(lineString: DynamicBag, level: Number?, radius: Number?) -- Kusto.Language:
    //     DynamicArrayOfString
    Function { name: "geo_line_to_s2cells", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_point_buffer(longitude: Number, latitude: Number, radius: Number, tolerance: Number?) --
    //     Kusto.Language: GeoShape
    Function { name: "geo_point_buffer", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM], 3, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_point_in_circle(p_longitude: Number, p_latitude: Number, pc_longitude: Number, pc_latitude: Number,
    //     c_radius: Number)
    Function { name: "geo_point_in_circle", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM, NUM, NUM], 5, Returns::Fixed(Type::Bool)),
    ] },
    // geo_point_in_polygon(longitude: Number, latitude: Number, polygon: DynamicBag)
    Function { name: "geo_point_in_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, DB], 3, Returns::Fixed(Type::Bool)),
    ] },
    // geo_point_to_geohash(longitude: Number, latitude: Number, accuracy: Number?)
    Function { name: "geo_point_to_geohash", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 2, Returns::Fixed(Type::String)),
    ] },
    // geo_point_to_h3cell(longitude: Number, latitude: Number, resolution: Number?)
    Function { name: "geo_point_to_h3cell", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 2, Returns::Fixed(Type::String)),
    ] },
    // geo_point_to_s2cell(longitude: Number, latitude: Number, level: Number?)
    Function { name: "geo_point_to_s2cell", kind: Kind::Scalar, signatures: &[
        sig(&[NUM, NUM, NUM], 2, Returns::Fixed(Type::String)),
    ] },
    // geo_polygon_area(polygon: DynamicBag)
    Function { name: "geo_polygon_area", kind: Kind::Scalar, signatures: &[sig(&[DB], 1, Returns::Fixed(Type::Real))] },
    // geo_polygon_buffer(polygon: DynamicBag, radius: Number, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_polygon_buffer", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 2, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_centroid(polygon: DynamicBag) -- Kusto.Language: GeoShape
    Function { name: "geo_polygon_centroid", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_densify(polygon: DynamicBag, tolerance: Number?, preserve_crossing: NumberOrBool?) --
    //     Kusto.Language: GeoShape
    Function { name: "geo_polygon_densify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NOB], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_perimeter(polygon: DynamicBag)
    Function { name: "geo_polygon_perimeter", kind: Kind::Scalar, signatures: &[
        sig(&[DB], 1, Returns::Fixed(Type::Real)),
    ] },
    // geo_polygon_simplify(polygon: DynamicBag, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_polygon_simplify", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_to_h3cells(polygon: DynamicBag, resolution: Number?, radius: Number?) -- Kusto.Language:
    //     DynamicArrayOfString
    Function { name: "geo_polygon_to_h3cells", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_polygon_to_s2cells(polygon: DynamicBag, level: Number?, radius: Number?) -- Kusto.Language:
    //     DynamicArrayOfString
    Function { name: "geo_polygon_to_s2cells", kind: Kind::Scalar, signatures: &[
        sig(&[DB, NUM, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_s2cell_neighbors(s2cell: string) -- Kusto.Language: DynamicArrayOfString
    Function { name: "geo_s2cell_neighbors", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_s2cell_to_central_point(s2cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_s2cell_to_central_point", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_s2cell_to_polygon(s2cell: string) -- Kusto.Language: GeoShape
    Function { name: "geo_s2cell_to_polygon", kind: Kind::Scalar, signatures: &[
        sig(&[S], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_simplify_polygons_array(polygons: DynamicArray, tolerance: Number?) -- Kusto.Language: GeoShape
    Function { name: "geo_simplify_polygons_array", kind: Kind::Scalar, signatures: &[
        sig(&[DA, NUM], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_union_lines_array(lineStrings: DynamicArray) -- Kusto.Language: GeoShape
    Function { name: "geo_union_lines_array", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
    // geo_union_polygons_array(polygons: DynamicArray) -- Kusto.Language: GeoShape
    Function { name: "geo_union_polygons_array", kind: Kind::Scalar, signatures: &[
        sig(&[DA], 1, Returns::Fixed(Type::Dynamic)),
    ] },
];
