//! GraphiQL served from the binary: the page (`GET /graphql`, `GET /`) and its pinned, minified
//! assets under `/graphiql/…`, vendored from npm in `assets/graphiql/` (see its README for the
//! versions, licences and checksums). Nothing is loaded from a CDN, so GraphiQL works offline.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse as _, Response};

/// The page; it loads the assets below by their versioned URLs.
const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// One embedded file, by the name it has under `/graphiql/`.
struct Asset {
    /// The URL name: it carries the package's version, so a new version is a new URL.
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "graphiql-4.1.2.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql-4.1.2.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
];

/// `GET /graphql` and `GET /`: the page, revalidated on every load (it is small, and it names
/// the assets' versions).
pub(super) async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

/// `GET /graphiql/NAME`: an embedded asset, cacheable for a year (its URL changes with its
/// version); 404 for any other name.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such GraphiQL asset\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page loads exactly the embedded assets, by their URLs, and nothing from elsewhere.
    #[test]
    fn the_page_names_every_asset_and_no_other_host() {
        for asset in &ASSETS {
            assert!(
                PAGE.contains(&format!("\"/graphiql/{}\"", asset.name)),
                "{}",
                asset.name
            );
        }
        assert_eq!(PAGE.matches("\"/graphiql/").count(), ASSETS.len());
        assert!(
            !PAGE.contains("http://") && !PAGE.contains("https://") && !PAGE.contains("//unpkg")
        );
    }
}
