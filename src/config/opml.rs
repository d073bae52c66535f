//! OPML import: every feed reader exports its subscriptions as OPML.
//!
//! Reads the `outline` elements that carry an `xmlUrl` (at any depth, with
//! the enclosing outlines as categories) and writes them as `[[feed]]`
//! tables for a feeds file. Feeds the config already has, repeats within
//! the file and outlines that name a feed without a URL are reported, not
//! dropped silently.

use std::collections::HashSet;

use serde::Serialize;

/// A feed found in an OPML file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpmlFeed {
    /// Unique name, from the outline's title or text.
    pub name: String,
    /// Feed URL.
    pub url: String,
}

/// What an OPML file held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Import {
    /// New feeds, to add.
    pub feeds: Vec<OpmlFeed>,
    /// Feeds skipped because the config already has their URL: (label, URL).
    pub known: Vec<(String, String)>,
    /// Feeds skipped because an earlier outline of the file had their URL.
    pub repeated: Vec<(String, String)>,
    /// Outlines that look like feeds (a `type` or an `htmlUrl`) but have no
    /// `xmlUrl`: their labels.
    pub without_url: Vec<String>,
}

/// A URL as the config stores it, so that `https://a.example` and
/// `https://a.example/` are one feed.
pub fn same_url(url: &str) -> String {
    url::Url::parse(url.trim()).map_or_else(|_| url.trim().to_string(), String::from)
}

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// Not well-formed XML.
    /// (The parser's message is in this one, not a `source`: an error
    /// chain would print it twice.)
    #[error("not well-formed XML: {0}")]
    Xml(roxmltree::Error),
    /// XML, but not OPML.
    #[error("not an OPML document (root element is <{0}>)")]
    NotOpml(String),
}

/// Feeds in `text`, skipping URLs in `known_urls` (as [`same_url`] writes
/// them) and giving each a name not in `taken_names`.
///
/// # Examples
///
/// ```
/// use std::collections::HashSet;
/// let opml = r#"<opml version="2.0"><body><outline text="News">
///   <outline text="Acme blog" type="rss" xmlUrl="https://acme.example/feed"/>
/// </outline></body></opml>"#;
/// let import = vigia::config::opml::parse(opml, &HashSet::new(), &HashSet::new()).unwrap();
/// assert_eq!(import.feeds[0].name, "News/Acme blog");
/// ```
pub fn parse(
    text: &str,
    known_urls: &HashSet<String>,
    taken_names: &HashSet<String>,
) -> Result<Import, OpmlError> {
    let doc = roxmltree::Document::parse(text).map_err(OpmlError::Xml)?;
    let root = doc.root_element();
    if !root.has_tag_name("opml") {
        return Err(OpmlError::NotOpml(root.tag_name().name().to_string()));
    }
    let mut names = taken_names.clone();
    let mut seen: HashSet<String> = HashSet::new();
    let mut import = Import::default();
    for node in root.descendants().filter(|n| n.has_tag_name("outline")) {
        let Some(url) = node
            .attribute("xmlUrl")
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            // A feed without its URL, as opposed to a folder (empty or not).
            let feed_like = node.attribute("type").is_some() || node.attribute("htmlUrl").is_some();
            let folder = node.children().any(|c| c.has_tag_name("outline"));
            if feed_like && !folder {
                import.without_url.push(
                    label(node)
                        .unwrap_or("(an outline with no title)")
                        .to_string(),
                );
            }
            continue;
        };
        let key = same_url(url);
        let name = label(node).unwrap_or(url).to_string();
        if known_urls.contains(&key) {
            import.known.push((name, url.to_string()));
            continue;
        }
        if !seen.insert(key) {
            import.repeated.push((name, url.to_string()));
            continue;
        }
        let mut path: Vec<&str> = node
            .ancestors()
            .filter(|a| a.has_tag_name("outline"))
            .filter_map(label)
            .collect();
        path.reverse();
        let base = if path.is_empty() {
            url.to_string()
        } else {
            path.join("/")
        };
        import.feeds.push(OpmlFeed {
            name: unique(&base, &mut names),
            url: url.to_string(),
        });
    }
    Ok(import)
}

fn label<'a>(node: roxmltree::Node<'a, '_>) -> Option<&'a str> {
    node.attribute("title")
        .or(node.attribute("text"))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn unique(base: &str, taken: &mut HashSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base} ({n})");
        n += 1;
    }
    name
}

/// The feeds as a feeds file (`[[feed]]` tables).
pub fn to_toml(feeds: &[OpmlFeed]) -> Result<String, toml::ser::Error> {
    #[derive(Serialize)]
    struct File<'a> {
        feed: &'a [OpmlFeed],
    }
    toml::to_string(&File { feed: feeds })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPML: &str = r#"<?xml version="1.0"?>
<opml version="1.0"><head><title>subs</title></head><body>
  <outline text="Tech" title="Tech">
    <outline type="rss" text="Acme &amp; Co" xmlUrl="https://acme.example/rss"/>
    <outline type="rss" text="Acme &amp; Co" xmlUrl="https://acme.example/atom"/>
    <outline type="rss" text="dup" xmlUrl="https://acme.example/rss"/>
  </outline>
  <outline type="rss" xmlUrl="https://b.example/feed.xml"/>
  <outline type="rss" text="Home" xmlUrl="https://home.example"/>
  <outline text="no feed here" htmlUrl="https://c.example/"/>
  <outline text="An empty folder"/>
</body></opml>"#;

    #[test]
    fn imports_nested_outlines_with_unique_names() {
        let known = HashSet::from([
            "https://b.example/feed.xml".to_string(),
            same_url("https://home.example"),
        ]);
        let import = parse(OPML, &known, &HashSet::new()).unwrap();
        let feeds = import.feeds;
        let got: Vec<(&str, &str)> = feeds
            .iter()
            .map(|f| (f.name.as_str(), f.url.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Tech/Acme & Co", "https://acme.example/rss"),
                ("Tech/Acme & Co (2)", "https://acme.example/atom")
            ]
        );
        // Nothing is dropped without a word: the config's own feeds (by
        // the URL as the config stores it), the repeat, the outline
        // without a feed URL.
        assert_eq!(
            import.known,
            [
                (
                    "https://b.example/feed.xml".to_string(),
                    "https://b.example/feed.xml".to_string()
                ),
                ("Home".to_string(), "https://home.example".to_string())
            ]
        );
        assert_eq!(
            import.repeated,
            [("dup".to_string(), "https://acme.example/rss".to_string())]
        );
        assert_eq!(import.without_url, ["no feed here"]);
        let toml = to_toml(&feeds).unwrap();
        assert!(
            toml.contains(
                "[[feed]]\nname = \"Tech/Acme & Co\"\nurl = \"https://acme.example/rss\""
            ),
            "{toml}"
        );
    }

    #[test]
    fn rejects_non_opml() {
        assert!(matches!(
            parse("<rss/>", &HashSet::new(), &HashSet::new()),
            Err(OpmlError::NotOpml(_))
        ));
        assert!(matches!(
            parse("<opml", &HashSet::new(), &HashSet::new()),
            Err(OpmlError::Xml(_))
        ));
    }
}
