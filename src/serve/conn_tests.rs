use super::*;

fn head(text: &str) -> Result<Head, Rejection> {
    parse_head(text.as_bytes())
}

#[test]
fn parses_a_client_request_head() {
    let h = head(
        "POST /execute_action?x=1 HTTP/1.1\r\nHost: a\r\nauth-token:  t0k \r\n\
         Content-Length: 12\r\nConnection: keep-alive",
    )
    .unwrap();
    assert_eq!(
        (h.method.as_str(), h.path.as_str()),
        ("POST", "/execute_action")
    );
    assert_eq!(h.header("AUTH-TOKEN"), Some("t0k"));
    assert_eq!(h.content_length, 12);
    assert!(h.keep_alive && !h.expect_continue);
    let h = head("GET / HTTP/1.0\r\nExpect: 100-Continue").unwrap();
    assert!(!h.keep_alive && h.expect_continue);
    assert!(
        !head("GET / HTTP/1.1\r\nConnection: close")
            .unwrap()
            .keep_alive
    );
}

#[test]
fn rejects_malformed_heads() {
    let status = |t: &str| head(t).err().map_or(200, |r| r.status);
    assert_eq!(status("GET / HTTP/1.1"), 200);
    assert_eq!(status("GET /"), 400);
    assert_eq!(status("GET  / HTTP/1.1"), 400);
    assert_eq!(status("G3T / HTTP/1.1"), 400);
    assert_eq!(status("GET / HTTP/2.0"), 505);
    assert_eq!(status("GET / HTTP/1.1\r\nno colon"), 400);
    assert_eq!(status("GET / HTTP/1.1\r\nbad name: x"), 400);
    assert_eq!(status("GET / HTTP/1.1\r\n folded"), 400);
    assert_eq!(status("GET / HTTP/1.1\r\nContent-Length: -1"), 400);
    assert_eq!(
        status("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2"),
        400
    );
    assert_eq!(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked"), 501);
    assert_eq!(status("POST / HTTP/1.1\r\nExpect: magic"), 417);
    let many = format!("GET / HTTP/1.1{}", "\r\nx: y".repeat(MAX_HEADERS + 1));
    assert_eq!(status(&many), 431);
    assert_eq!(parse_head(b"GET /\xff HTTP/1.1").unwrap_err().status, 400);
}

#[test]
fn finds_the_end_of_a_head() {
    assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\n\r\nbody", 0), Some(14));
    assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\n\r\n", 14), Some(14));
    assert_eq!(find_blank_line(b"GET / HTTP/1.1\r\n", 0), None);
    assert_eq!(find_blank_line(b"ab", 5), None);
}
