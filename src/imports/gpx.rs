//! GPX 1.1 tracks (`<trk>` / `<trkseg>` / `<trkpt lat lon><time/></trkpt>`) as segments of
//! positions with their times, read with `quick-xml`. Each segment becomes one recorded track
//! of the patrol, so a gap between segments (the device off, a stop) stays a gap. Points
//! without `<time>` are accepted with their time unknown.
//!
//! A file that is not well-formed XML is `Malformed`, naming the line; bad points (no or
//! out-of-range coordinates, unreadable times) and short or over-long segments are listed
//! together as problems.

use chrono::{DateTime, Utc};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{ImportError, MAX_VERTICES, Problem};
use crate::text::{self, Kind};

/// One track segment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segment {
    /// The name of its `<trk>`, if any.
    pub name: Option<String>,
    /// Longitude, latitude of each point.
    pub points: Vec<(f64, f64)>,
    /// The time of each point, when recorded.
    pub times: Vec<Option<DateTime<Utc>>>,
}

fn line_of(text: &str, offset: u64) -> usize {
    let end = usize::try_from(offset).unwrap_or(usize::MAX).min(text.len());
    text.as_bytes()[..end].split(|b| *b == b'\n').count()
}

fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.try_get_attribute(name).ok().flatten().and_then(|a| String::from_utf8(a.value.into_owned()).ok())
}

/// The segments of the GPX `bytes`.
///
/// # Errors
/// `Malformed` (not XML, not GPX, unclosed elements) naming the line; `OverLimit` for a segment
/// over [`MAX_VERTICES`]; `Invalid` with every bad point and segment.
pub fn parse(bytes: &[u8]) -> Result<Vec<Segment>, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].split(|b| *b == b'\n').count();
        ImportError::Malformed(format!("line {line}: the GPX is not UTF-8"))
    })?;
    let malformed =
        |offset: u64, why: String| ImportError::Malformed(format!("line {}: {why}", line_of(text, offset)));
    let mut reader = Reader::from_str(text);
    let mut open: Vec<String> = Vec::new();
    let (mut segments, mut problems) = (Vec::<Segment>::new(), Vec::new());
    let mut track_name: Option<String> = None;
    let mut seen_gpx = false;
    // The text of the element being read, whole: quick-xml hands over the text around an entity
    // or character reference (`A &amp; B`) as separate events, and a name kept only the last
    // piece ("B") before this gathered them. Where the element started, for its line.
    let (mut content, mut started) = (String::new(), 0);
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| malformed(reader.error_position(), format!("malformed GPX: {e}")))?;
        match event {
            Event::Start(e) | Event::Empty(e) if open.is_empty() && e.local_name().as_ref() != b"gpx" => {
                return Err(malformed(at, "the root element is not <gpx>".into()));
            }
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                seen_gpx = true;
                match name.as_str() {
                    "trk" => track_name = None,
                    "trkseg" => segments.push(Segment { name: track_name.clone(), ..Segment::default() }),
                    "trkpt" => start_point(&e, &mut segments, &mut problems, line_of(text, at)),
                    _ => {}
                }
                open.push(name);
                (content, started) = (String::new(), line_of(text, at));
            }
            Event::Empty(e) => {
                seen_gpx = true;
                if e.local_name().as_ref() == b"trkpt" {
                    start_point(&e, &mut segments, &mut problems, line_of(text, at));
                }
            }
            Event::Text(t) => content.push_str(&t.decode().unwrap_or_default()),
            Event::CData(t) => content.push_str(&t.decode().unwrap_or_default()),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap_or_default();
                match r.resolve_char_ref() {
                    Ok(Some(c)) => content.push(c),
                    Ok(None) => content
                        .push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap_or_default()),
                    Err(_) => return Err(malformed(at, format!("&{name}; is not a character"))),
                }
            }
            Event::End(_) => {
                let parent = open.iter().rev().take(2).map(String::as_str).collect::<Vec<_>>();
                let value = content.trim();
                match parent.as_slice() {
                    ["time", "trkpt", ..] => set_time(value, &mut segments, &mut problems, started),
                    ["name", "trk", ..] => {
                        name_track(value, started, &mut track_name, &mut segments, &mut problems);
                    }
                    _ => {}
                }
                content.clear();
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(unclosed) = open.last() {
        return Err(malformed(text.len() as u64, format!("<{unclosed}> is not closed")));
    }
    if !seen_gpx {
        return Err(ImportError::Malformed("line 1: no <gpx> element".into()));
    }
    check_segments(&segments, &mut problems)?;
    if problems.is_empty() {
        Ok(segments)
    } else {
        Err(ImportError::Invalid { total: segments.len(), problems })
    }
}

fn start_point(e: &BytesStart, segments: &mut Vec<Segment>, problems: &mut Vec<Problem>, line: usize) {
    if segments.is_empty() {
        segments.push(Segment::default());
    }
    let index = segments.len() - 1;
    let segment = &mut segments[index];
    let n = segment.points.len();
    let number = |name: &str| attribute(e, name).and_then(|v| v.trim().parse::<f64>().ok());
    let (lat, lon) = (number("lat"), number("lon"));
    let mut problem = |reason: String| {
        problems.push(Problem {
            line: Some(line as u64),
            ..Problem::new(Some(index), None, &format!("trkpt[{n}]"), reason)
        });
    };
    match (lon, lat) {
        (Some(lon), Some(lat)) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {}
        (Some(lon), Some(lat)) => problem(format!("lon {lon}, lat {lat} are not WGS 84 degrees")),
        _ => problem("needs numeric lat and lon attributes".into()),
    }
    segment.points.push((lon.unwrap_or_default(), lat.unwrap_or_default()));
    segment.times.push(None);
}

/// Names the track (and its segment so far), unless the name holds a control character: then
/// it is a bad record, named with its line.
fn name_track(
    value: &str,
    line: usize,
    track_name: &mut Option<String>,
    segments: &mut [Segment],
    problems: &mut Vec<Problem>,
) {
    if let Some(why) = text::refusal(value, Kind::Plain) {
        // A track's name comes before its segments: the first of them is the next one.
        let index = Some(segments.len());
        problems.push(Problem { line: Some(line as u64), ..Problem::new(index, None, "name", why) });
        return;
    }
    *track_name = Some(value.to_owned());
    if let Some(s) = segments.last_mut().filter(|s| s.points.is_empty() && s.name.is_none()) {
        s.name = Some(value.to_owned());
    }
}

fn set_time(value: &str, segments: &mut [Segment], problems: &mut Vec<Problem>, line: usize) {
    let index = segments.len().saturating_sub(1);
    let Some(segment) = segments.last_mut() else { return };
    let n = segment.points.len().saturating_sub(1);
    match DateTime::parse_from_rfc3339(value) {
        Ok(t) => {
            if let Some(slot) = segment.times.last_mut() {
                *slot = Some(t.with_timezone(&Utc));
            }
        }
        Err(_) => problems.push(Problem {
            line: Some(line as u64),
            ..Problem::new(
                Some(index),
                None,
                &format!("trkpt[{n}].time"),
                format!("{value:?} is not an ISO 8601 time"),
            )
        }),
    }
}

fn check_segments(segments: &[Segment], problems: &mut Vec<Problem>) -> Result<(), ImportError> {
    if segments.is_empty() {
        problems.push(Problem::new(None, None, "trkseg", "the file has no track points"));
    }
    for (i, s) in segments.iter().enumerate() {
        if s.points.len() > MAX_VERTICES {
            return Err(ImportError::OverLimit(format!(
                "segment {i} has {} points; the limit is {MAX_VERTICES} vertices per geometry",
                s.points.len()
            )));
        }
        if s.points.len() < 2 {
            problems.push(Problem::new(
                Some(i),
                s.name.as_deref(),
                "trkseg",
                "a segment needs at least 2 points",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_their_track_name_and_times_and_untimed_points_are_accepted() {
        let gpx = r#"<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
            <trk><name>Tuần tra</name><trkseg>
              <trkpt lat="22.5" lon="104.0"><time>2026-03-01T00:05:00Z</time></trkpt>
              <trkpt lat="22.51" lon="104.01"><ele>80</ele><time>2026-03-01T00:15:00Z</time></trkpt>
            </trkseg><trkseg><trkpt lat="22.52" lon="104.02"/><trkpt lat="22.53" lon="104.03"/></trkseg></trk></gpx>"#;
        let segments = parse(gpx.as_bytes()).expect("parse");
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].name.as_deref(), Some("Tuần tra"));
        assert_eq!(segments[0].points, [(104.0, 22.5), (104.01, 22.51)]);
        assert!(segments[0].times.iter().all(Option::is_some));
        assert_eq!(segments[1].times, [None, None]);
    }

    #[test]
    fn broken_xml_names_its_line_and_bad_points_are_all_listed() {
        let broken = "<gpx>\n<trk>\n<trkseg>\n<trkpt lat=\"1\" lon=\"2\"></trkseg>\n</trk></gpx>";
        let err = parse(broken.as_bytes()).expect_err("broken");
        assert!(err.to_string().starts_with("line 4"), "{err}");
        let bad = "<gpx><trk><trkseg><trkpt lat=\"95\" lon=\"104\"/><trkpt lon=\"104\"/><trkpt lat=\"1\" lon=\"2\"><time>noon</time></trkpt></trkseg></trk></gpx>";
        let ImportError::Invalid { problems, .. } = parse(bad.as_bytes()).expect_err("bad") else {
            panic!("not Invalid")
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["trkpt[0]", "trkpt[1]", "trkpt[2].time"]);
    }

    #[test]
    fn a_name_keeps_its_entities_and_a_control_character_is_a_bad_record() {
        let gpx = |name: &str| {
            format!(
                "<gpx><trk><name>{name}</name><trkseg><trkpt lat=\"1\" lon=\"2\"/><trkpt lat=\"1.1\" lon=\"2\"/></trkseg></trk></gpx>"
            )
        };
        // Before: "B" (the text before the reference was lost).
        let segments = parse(gpx("Tổ A &amp; B &#7845;").as_bytes()).expect("parse");
        assert_eq!(segments[0].name.as_deref(), Some("Tổ A & B ấ"));
        let ImportError::Invalid { problems, .. } = parse(gpx("a&#1;b").as_bytes()).expect_err("bad") else {
            panic!("not Invalid")
        };
        assert_eq!((problems[0].field.as_str(), problems[0].line), ("name", Some(1)));
        assert!(problems[0].reason.contains("U+0001"), "{:?}", problems[0]);
        assert!(parse(gpx("a&#0;b").as_bytes()).is_err(), "NUL is no XML character");
    }
}
