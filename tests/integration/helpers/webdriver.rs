//! A real headless Chromium driven through chromedriver's WebDriver API
//! (plain HTTP and JSON): what a person's browser does, CSP included.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver with one Chromium session. Dropping it kills both.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group, Chromium included.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-9", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// Sends `body` (none when null) as JSON; the answer's JSON.
async fn send(request: reqwest::RequestBuilder, body: &Value) -> Value {
    let request = if body.is_null() {
        request
    } else {
        request
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    let bytes = request.send().await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("WebDriver answered {e}: {bytes:?}"))
}

impl Browser {
    /// Starts chromedriver on a port it picks, and a headless Chromium.
    pub async fn start() -> Browser {
        use std::os::unix::process::CommandExt;
        let mut driver = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver: {e} (Debian's chromium-driver; scripts/test.sh installs it)")
            });
        let stdout = driver.stdout.take().unwrap();
        let port = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| {
                l.strip_prefix("ChromeDriver was started successfully on port ")
                    .and_then(|p| p.trim_end_matches('.').parse::<u16>().ok())
            })
            .expect("chromedriver said which port it listens on");
        let profile = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--window-size=1100,900".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
        }}});
        let answer = send(http.post(format!("{base}/session")), &caps).await;
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {answer}"))
            .to_string();
        Browser {
            driver,
            http,
            session: format!("{base}/session/{session}"),
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        match self.try_call(method, path, body).await {
            Ok(value) => value,
            Err(error) => panic!("WebDriver {path}: {error}"),
        }
    }

    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, Value> {
        let url = format!("{}{path}", self.session);
        let answer = send(self.http.request(method, &url), &body).await;
        if answer["value"]["error"].is_string() {
            return Err(answer["value"].clone());
        }
        Ok(answer["value"].clone())
    }

    /// Runs `script` in the page (WebDriver's, which the page's CSP does
    /// not govern) and returns its value.
    async fn run(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Clicks what `css` selects and waits for the page it leads to: a
    /// form's submission, a link.
    pub async fn submit(&self, css: &str) {
        self.run("window.vigiaOldPage = true;").await;
        self.click(css).await;
        let started = std::time::Instant::now();
        loop {
            let new_page = self
                .try_call(
                    reqwest::Method::POST,
                    "/execute/sync",
                    json!({"script": "return !window.vigiaOldPage && document.readyState === 'complete';", "args": []}),
                )
                .await;
            if new_page == Ok(Value::Bool(true)) {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(15),
                "no new page after clicking {css}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    /// The address of the page shown.
    pub async fn url(&self) -> String {
        let url = self.call(reqwest::Method::GET, "/url", Value::Null).await;
        url.as_str().unwrap_or_default().to_string()
    }

    /// The page's HTML as the browser holds it.
    pub async fn source(&self) -> String {
        let html = self
            .call(reqwest::Method::GET, "/source", Value::Null)
            .await;
        html.as_str().unwrap_or_default().to_string()
    }

    /// The first element `css` selects.
    async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    /// Types `text` into the element `css` selects.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }

    /// The computed value of a CSS property of the element `css` selects.
    pub async fn style(&self, css: &str, property: &str) -> String {
        let id = self.find(css).await;
        let value = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{id}/css/{property}"),
                Value::Null,
            )
            .await;
        value.as_str().unwrap_or_default().to_string()
    }
}
