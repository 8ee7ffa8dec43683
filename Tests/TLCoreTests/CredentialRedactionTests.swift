import Testing
@testable import TLCore

/// `HF_ENDPOINT` may carry `user:password@`; no line tlconvert shows may.
struct CredentialRedactionTests {
    @Test func userinfoIsMasked() {
        #expect("http://user:pw@127.0.0.1:8080/api/x: cannot connect".redactingURLCredentials
                == "http://***@127.0.0.1:8080/api/x: cannot connect")
        #expect("https://token@hub.example/x and http://a:b@c".redactingURLCredentials == "https://***@hub.example/x and http://***@c")
        #expect("HF_ENDPOINT 'http://u:p@h' is bad".redactingURLCredentials == "HF_ENDPOINT 'http://***@h' is bad")
        #expect("http://u:p@ss@h/path?q=a@b".redactingURLCredentials == "http://***@h/path?q=a@b")
    }

    @Test func textWithoutCredentialsIsUnchanged() {
        for text in ["http://127.0.0.1:9/x", "mail me@example.com", "/tmp/a@b/model.safetensors", "org/repo@main", "://@", "a://"] {
            #expect(text.redactingURLCredentials == text)
        }
    }

    @Test func errorLinesAreMasked() {
        let error = TLError.network("http://user:secret@127.0.0.1:1/api: cannot connect to host")
        #expect(error.description == "http://***@127.0.0.1:1/api: cannot connect to host")
    }
}
