//! Listings as the vendor serves them: Ransack filters (`q[attr_eq]`, `_start`, `_in[]`,
//! `_gteq`, `_lteq`; blank values ignored, text compared case-insensitively) and Kaminari-style
//! paging (`page` from 1, `per` capped) with `page_info`.

use serde_json::{Value, json};

/// Reads a filterable attribute from a record's JSON.
pub(crate) type Reader = fn(&Value) -> Option<String>;

/// A field's value as text: strings as they are, numbers in decimal.
pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A filter the request asked for that the collection does not have: the 422's message.
#[derive(Debug)]
pub(crate) struct UnknownFilter(pub String);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Predicate {
    Eq,
    Start,
    In,
    Gteq,
    Lteq,
}

struct Condition {
    reader: Reader,
    predicate: Predicate,
    values: Vec<String>,
}

/// The conditions of `query` over `attrs`.
fn conditions(
    query: &[(String, String)],
    attrs: &[(&str, Reader)],
) -> Result<Vec<Condition>, UnknownFilter> {
    let mut out: Vec<(String, Condition)> = Vec::new();
    for (key, value) in query {
        let Some(inner) = key.strip_prefix("q[") else {
            continue;
        };
        let inner = inner
            .strip_suffix("][]")
            .or_else(|| inner.strip_suffix(']'))
            .ok_or_else(|| UnknownFilter(format!("{key} is not a filter")))?;
        let (name, predicate) = [
            ("_gteq", Predicate::Gteq),
            ("_lteq", Predicate::Lteq),
            ("_start", Predicate::Start),
            ("_eq", Predicate::Eq),
            ("_in", Predicate::In),
        ]
        .iter()
        .find_map(|(suffix, p)| inner.strip_suffix(suffix).map(|n| (n, *p)))
        .ok_or_else(|| UnknownFilter(format!("{key} has no known predicate")))?;
        let reader = attrs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| *r)
            .ok_or_else(|| UnknownFilter(format!("{key} is not a filter of this listing")))?;
        // Ransack drops blank values.
        if value.trim().is_empty() {
            continue;
        }
        match out.iter_mut().find(|(k, _)| k == inner) {
            Some((_, c)) if predicate == Predicate::In => c.values.push(value.clone()),
            Some((_, c)) => c.values = vec![value.clone()],
            None => out.push((
                inner.to_owned(),
                Condition {
                    reader,
                    predicate,
                    values: vec![value.clone()],
                },
            )),
        }
    }
    Ok(out.into_iter().map(|(_, c)| c).collect())
}

fn matches(record: &Value, c: &Condition) -> bool {
    let Some(actual) = (c.reader)(record) else {
        return false;
    };
    let actual_ci = actual.to_lowercase();
    c.values.iter().any(|wanted| {
        let wanted_ci = wanted.to_lowercase();
        match c.predicate {
            Predicate::Eq | Predicate::In => actual_ci == wanted_ci,
            Predicate::Start => actual_ci.starts_with(&wanted_ci),
            Predicate::Gteq => actual.as_str() >= wanted.as_str(),
            Predicate::Lteq => actual.as_str() <= wanted.as_str(),
        }
    })
}

/// The page size and page limits of a simulator.
#[derive(Clone, Copy)]
pub(crate) struct Paging {
    pub default_per: u32,
    pub max_per: u32,
}

fn number(query: &[(String, String)], name: &str) -> Option<i64> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// `records` filtered by the request's `q[…]` and cut to the requested page:
/// `{"data": [...], "page_info": {...}}`.
pub(crate) fn list(
    records: Vec<Value>,
    attrs: &[(&str, Reader)],
    query: &[(String, String)],
    paging: Paging,
) -> Result<Value, UnknownFilter> {
    let conditions = conditions(query, attrs)?;
    let all: Vec<Value> = records
        .into_iter()
        .filter(|r| conditions.iter().all(|c| matches(r, c)))
        .collect();
    let per = number(query, "per")
        .unwrap_or(i64::from(paging.default_per))
        .clamp(1, i64::from(paging.max_per.max(1))) as usize;
    // Page 0 (the spec's minimum) is served as page 1.
    let page = number(query, "page").unwrap_or(1).max(1) as usize;
    let total = all.len();
    let total_pages = total.div_ceil(per);
    let data: Vec<Value> = all.into_iter().skip((page - 1) * per).take(per).collect();
    Ok(json!({
        "page_info": {
            "current_page": page,
            "total_pages": total_pages,
            "total_item_count": total,
            "page_item_count": data.len(),
            "page_size": per,
            "next_page": (page < total_pages).then_some(page + 1),
            "prev_page": (page > 1).then(|| page - 1),
            "first_page": page == 1,
            "last_page": page >= total_pages,
        },
        "data": data,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTRS: &[(&str, Reader)] =
        &[("label", |v| text(&v["label"])), ("id", |v| text(&v["id"]))];

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn records() -> Vec<Value> {
        (1..=5)
            .map(|i| json!({ "id": i, "label": format!("A{i}") }))
            .collect()
    }

    const PAGING: Paging = Paging {
        default_per: 2,
        max_per: 3,
    };

    #[test]
    fn eq_is_case_insensitive_and_a_blank_value_is_ignored() {
        let page = list(records(), ATTRS, &q(&[("q[label_eq]", "a3")]), PAGING).unwrap();
        assert_eq!(page["data"][0]["id"], 3);
        assert_eq!(page["page_info"]["total_item_count"], 1);
        let page = list(records(), ATTRS, &q(&[("q[label_eq]", " ")]), PAGING).unwrap();
        assert_eq!(page["page_info"]["total_item_count"], 5);
    }

    #[test]
    fn in_takes_every_repeated_value_and_unknown_filters_are_refused() {
        let query = q(&[("q[id_in][]", "2"), ("q[id_in][]", "4")]);
        let page = list(records(), ATTRS, &query, PAGING).unwrap();
        assert_eq!(page["page_info"]["total_item_count"], 2);
        assert!(list(records(), ATTRS, &q(&[("q[email_eq]", "x")]), PAGING).is_err());
        assert!(list(records(), ATTRS, &q(&[("q[label_like]", "x")]), PAGING).is_err());
    }

    #[test]
    fn pages_start_at_one_and_per_is_capped() {
        let page = list(records(), ATTRS, &q(&[]), PAGING).unwrap();
        assert_eq!(page["page_info"]["page_size"], 2);
        assert_eq!(page["page_info"]["total_pages"], 3);
        assert_eq!(page["page_info"]["next_page"], 2);
        assert_eq!(page["page_info"]["prev_page"], Value::Null);
        let page = list(
            records(),
            ATTRS,
            &q(&[("page", "2"), ("per", "100")]),
            PAGING,
        )
        .unwrap();
        assert_eq!(page["page_info"]["page_size"], 3);
        assert_eq!(page["data"].as_array().unwrap().len(), 2);
        assert_eq!(page["page_info"]["next_page"], Value::Null);
        assert_eq!(page["page_info"]["last_page"], true);
        let zero = list(records(), ATTRS, &q(&[("page", "0")]), PAGING).unwrap();
        assert_eq!(zero["page_info"]["current_page"], 1);
    }
}
