//! The API document is generated from the handlers; this keeps the copy in
//! the repository (`openapi.json`, what client authors read) in step with it.
//! Run with `UPDATE_OPENAPI=1` to rewrite the copy after an API change.

use std::path::PathBuf;

#[test]
fn the_committed_api_document_matches_the_code() {
    let generated = serde_json::to_string_pretty(&gasdesk_web::openapi_document()).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "crates/web/openapi.json is out of date; run UPDATE_OPENAPI=1 cargo test -p gasdesk-web"
    );
}

#[test]
fn every_api_route_is_documented() {
    let doc = serde_json::to_value(gasdesk_web::openapi_document()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in gasdesk_web::API_ROUTES {
        let documented = paths
            .get(*path)
            .and_then(|p| p.get(method.to_ascii_lowercase()))
            .is_some();
        assert!(
            documented,
            "{method} {path} is routed but not in the API document"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        gasdesk_web::API_ROUTES.len(),
        "a documented path is not routed"
    );
}
