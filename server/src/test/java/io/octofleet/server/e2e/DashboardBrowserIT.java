package io.octofleet.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium against the packaged server (embedded PostgreSQL) and a packaged agent:
 * an operator signs in, enrolls the agent from the enrollment page, sees the node appear without reloading, reads
 * its inventory and metrics, runs a shell job on it and watches the output arrive while the job runs; a viewer is
 * not offered the run button and the server refuses the viewer's direct call. Screenshots of each page land in
 * {@code target/screenshots/} for a reviewer.
 */
class DashboardBrowserIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    Path dir;

    private Fleet fleet;
    private WebDriver browser;

    @AfterEach
    void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void anOperatorEnrollsWatchesAndRunsAJobWhileAViewerOnlyLooks() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        fleet = new Fleet(dir, Duration.ofSeconds(2));
        fleet.startServer("server.log");
        Api api = fleet.api();
        assertThat(api.put("/api/v1/parameters/OCTOFLEET_METRICS_INTERVAL", "{\"value\": \"1\"}").status())
                .isEqualTo(200);
        browser = chromium();
        String base = fleet.baseUrl();

        // The login page: a wrong password is refused in words, the right one lands on the overview.
        browser.get(base + "/nodes");
        waitFor(By.id("username"));
        shot("01-login");
        signIn("admin", "not-the-password");
        assertThat(waitFor(By.cssSelector("[data-testid=login-error]")).getText()).contains("username or password");
        signIn("admin", Fleet.ADMIN_PASSWORD);
        waitFor(By.cssSelector("[data-testid=signed-in-as]"));
        assertThat(browser.getCurrentUrl()).as("the page asked for before signing in").endsWith("/nodes");
        assertThat(waitFor(By.tagName("main")).getText()).contains("No nodes yet");

        // Enrollment: create a token in the page, copy its join command, run the agent with it.
        click(By.linkText("Enrollment"));
        click(By.xpath("//button[normalize-space()='Create token']"));
        String joinCommand = waitUntil(d -> d.findElements(By.tagName("input")).stream()
                .map(i -> i.getDomProperty("value")).filter(v -> v != null && v.startsWith(Fleet.JOIN_PREFIX))
                .findFirst().orElse(null), "the join command on the enrollment page");
        shot("07-enrollment");
        Path state = dir.resolve("state-agent");
        fleet.startAgent("agent.log", Map.of("PATH", recordedH100().toString() + ":" + System.getenv("PATH")), "run",
                "--join", joinCommand.substring(Fleet.JOIN_PREFIX.length()), "--state-dir", state.toString());

        // The node list shows the agent's node online without a reload.
        click(By.linkText("Nodes"));
        waitFor(By.tagName("main"));
        String node = waitUntil(d -> Files.exists(state.resolve("node-id")) ? read(state.resolve("node-id")) : null,
                "the agent enrolled");
        By row = By.cssSelector("tr[data-node-id='" + node + "']");
        WebElement nodeRow = waitUntil(d -> d.findElements(row).stream()
                .filter(r -> r.getText().contains("online")).findFirst().orElse(null), "the node shown online");
        String hostname = api.get("/api/v1/nodes/" + node).body().get("hostname").asText();
        assertThat(nodeRow.getText()).contains(hostname);
        shot("02-nodes");

        // Its detail: CPU and memory from the inventory the agent reported, then live charts of its metrics.
        JsonNode inventory = awaitInventory(api, node);
        click(By.linkText(hostname));
        WebElement cpu = waitFor(By.cssSelector("[data-testid=inventory-cpu]"));
        assertThat(cpu.getText()).contains(inventory.at("/cpu/model").asText());
        assertThat(cpu.getText()).contains(inventory.at("/cpu/cores").asText() + " / ");
        assertThat(waitFor(By.cssSelector("[data-testid=memory-total]")).getText()).matches("[0-9.]+ (MiB|GiB|TiB)");
        assertThat(waitFor(By.cssSelector("[data-testid=inventory-gpus]")).getText())
                .contains("NVIDIA H100 80GB HBM3").contains("580.159.04").contains("MIG: Disabled");
        shot("03-node-inventory");
        click(By.xpath("//button[@role='tab'][normalize-space()='Metrics']"));
        for (String chart : List.of("CPU", "Memory", "GPU utilisation", "GPU memory", "GPU temperature", "GPU power")) {
            waitUntil(d -> {
                // The charts refresh every 30 s; a fresh page load re-reads them once samples exist.
                List<WebElement> canvas = d.findElements(By.cssSelector("[data-testid='chart-" + chart + "'] canvas"));
                if (canvas.isEmpty()) {
                    d.navigate().refresh();
                    waitFor(By.xpath("//button[@role='tab'][normalize-space()='Metrics']")).click();
                    return null;
                }
                return canvas.get(0);
            }, "a drawn " + chart + " chart");
        }
        shot("04-node-metrics");
        ((JavascriptExecutor) browser).executeScript(
                "document.querySelector(\"[data-testid='chart-GPU utilisation']\").scrollIntoView()");
        shot("04-node-gpu-metrics");

        // Select the node in the list, run a shell job on it, and watch its output arrive while it runs.
        click(By.linkText("Nodes"));
        waitFor(row).findElement(By.cssSelector("input[type=checkbox]")).click();
        click(By.xpath("//button[normalize-space()='Run a job']"));
        WebElement script = waitFor(By.id("job-script"));
        script.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        script.sendKeys("echo \"first line from $OCTOFLEET_NODE_ID\"\nsleep 4\necho second line\n");
        String preview = waitUntil(d -> {
            List<WebElement> p = d.findElements(By.cssSelector("[data-testid=target-preview]"));
            return p.isEmpty() || !p.get(0).getText().contains(hostname) ? null : p.get(0).getText();
        }, "the target preview");
        assertThat(preview).contains("Runs on 1 node");
        shot("05-new-job");
        click(By.cssSelector("[data-testid=start-job]"));
        WebElement output = waitFor(By.cssSelector("[data-testid=live-output]"));
        waitUntil(d -> output.getText().contains("first line from " + node) ? true : null, "the first line, live");
        String jobId = browser.getCurrentUrl().replaceAll(".*/jobs/([0-9a-f-]{36}).*", "$1");
        assertThat(output.getText()).as("the run is still going").doesNotContain("second line");
        assertThat(api.get("/api/v1/jobs/" + jobId).body().get("status").asText()).isEqualTo("running");
        shot("06-job-running");
        waitUntil(d -> "true".equals(output.getDomAttribute("data-complete")) ? true : null, "the run ended");
        assertThat(output.getText()).contains("second line");
        assertThat(output.getText().indexOf("first line")).isLessThan(output.getText().indexOf("second line"));
        assertThat(output.getText().split("first line", -1)).as("each line once").hasSize(2);
        waitUntil(d -> d.findElements(By.cssSelector("h1 [data-status=succeeded]")).isEmpty() ? null : true,
                "the job shown succeeded");
        shot("06-job-done");

        // A dynamic group, made in the rule editor, which previews its matches against the server.
        click(By.linkText("Groups and tags"));
        click(By.xpath("//button[normalize-space()='Create a group']"));
        waitFor(By.id("group-name")).sendKeys("linux hosts");
        waitFor(By.id("group-rule")).sendKeys("os.family = \"linux\" and cpu.threads >=");
        assertThat(waitFor(By.cssSelector("[data-testid=group-rule-error]")).getText()).contains("At character");
        waitFor(By.id("group-rule")).sendKeys(" 1");
        assertThat(waitFor(By.cssSelector("[data-testid=group-rule-matches]")).getText())
                .contains("Matches 1 node").contains(hostname);
        shot("08-group-editor");
        click(By.xpath("//footer//button[normalize-space()='Save']"));
        waitUntil(d -> d.findElements(By.linkText("linux hosts")).isEmpty() ? null : true, "the group listed");
        shot("08-groups");

        // The rest of the administration, for the reviewer's eyes: the overview, users, alerts, audit.
        click(By.linkText("Overview"));
        waitUntil(d -> d.findElements(By.cssSelector("[data-testid=count-online]")).isEmpty() ? null : true,
                "the fleet counts");
        shot("00-overview");
        for (Map.Entry<String, String> page : Map.of("Alert rules and channels", "10-alerts",
                "Audit log", "11-audit", "Roles", "12-roles").entrySet()) {
            click(By.linkText(page.getKey()));
            waitUntil(d -> d.findElements(By.cssSelector("table")).isEmpty()
                    && d.findElements(By.cssSelector("form")).isEmpty() ? null : true, page.getKey());
            shot(page.getValue());
        }

        // An alert rule made and disabled in the page.
        click(By.linkText("Alert rules and channels"));
        waitFor(By.id("rule-name")).sendKeys("gpu hot");
        waitFor(By.id("rule-expression")).sendKeys("gpu.temp > 85 for 5m");
        click(By.xpath("//button[normalize-space()='Add rule']"));
        waitUntil(d -> d.findElements(By.xpath("//td[normalize-space()='gpu hot']")).isEmpty() ? null : true,
                "the rule listed");
        click(By.xpath("//tr[td[normalize-space()='gpu hot']]//button[normalize-space()='Disable']"));
        waitUntil(d -> d.findElements(By.xpath("//tr[td[normalize-space()='gpu hot']]//button[normalize-space()='Enable']"))
                .isEmpty() ? null : true, "the rule disabled");
        JsonNode rules = api.get("/api/v1/alert-rules").body().get("items");
        assertThat(rules).hasSize(1);
        assertThat(rules.get(0).get("enabled").asBoolean()).isFalse();
        assertThat(rules.get(0).get("forSeconds").asInt()).isEqualTo(300);
        shot("10-alerts");

        // A viewer, created in the users page: sees the fleet and the jobs, is offered no run button, and the
        // server refuses a direct call.
        String viewerPassword = "viewer-password-" + System.nanoTime();
        click(By.linkText("Users"));
        click(By.xpath("//button[normalize-space()='Create a user']"));
        waitFor(By.id("user-username")).sendKeys("vera");
        waitFor(By.id("user-display")).sendKeys("Vera Viewer");
        waitFor(By.id("user-password")).sendKeys(viewerPassword);
        click(By.xpath("//button[normalize-space()='+ Add a role']"));
        waitUntil(d -> d.findElements(By.cssSelector("select[aria-label=Organization] option")).isEmpty() ? null : true,
                "the role editor");
        click(By.xpath("//footer//button[normalize-space()='Save']"));
        waitUntil(d -> d.findElements(By.xpath("//td[normalize-space()='vera']")).isEmpty() ? null : true,
                "the new user listed");
        shot("09-users");
        JsonNode vera = null;
        for (JsonNode u : api.get("/api/v1/users").body().get("items")) {
            if (u.get("username").asText().equals("vera")) {
                vera = u;
            }
        }
        assertThat(vera).isNotNull();
        assertThat(vera.get("roles").toString()).contains("\"role\":\"viewer\"").contains("\"organization\":\"default\"");
        click(By.xpath("//button[normalize-space()='Sign out']"));
        waitFor(By.id("username"));
        signIn("vera", viewerPassword);
        assertThat(waitFor(By.cssSelector("[data-testid=signed-in-as]")).getText()).isEqualTo("Vera Viewer");
        click(By.linkText("Jobs"));
        waitFor(By.cssSelector("a[href='/jobs/" + jobId + "']"));
        assertThat(browser.findElements(By.cssSelector("[data-testid=new-job]"))).as("no run button").isEmpty();
        assertThat(browser.findElements(By.linkText("Users"))).as("no administration").isEmpty();
        click(By.linkText("Nodes"));
        waitFor(row).findElement(By.cssSelector("input[type=checkbox]")).click();
        waitUntil(d -> d.getPageSource().contains("1 selected") ? true : null, "the selection");
        assertThat(browser.findElements(By.xpath("//button[normalize-space()='Run a job']"))).isEmpty();
        shot("13-viewer-nodes");
        long jobsBefore = api.get("/api/v1/jobs").body().get("total").asLong();
        Object status = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const session = JSON.parse(sessionStorage.getItem('octofleet.session'));
                fetch('/api/v1/jobs', {method: 'POST', headers: {'Authorization': 'Bearer ' + session.token,
                    'Content-Type': 'application/json'},
                    body: JSON.stringify({kind: 'shell', script: 'id', targets: {nodeIds: [arguments[0]]}})})
                  .then(r => done(r.status), e => done(String(e)));
                """, node);
        assertThat(status).isEqualTo(403L);
        assertThat(api.get("/api/v1/jobs").body().get("total").asLong()).isEqualTo(jobsBefore);
    }

    @Test
    void aSingleSignOnUserSignsInWithTheProvidersButtonAndLandsWhereTheyWereGoing() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        MockOAuth2Server provider = new MockOAuth2Server();
        provider.start(InetAddress.getLoopbackAddress(), 0);
        try {
            fleet = new Fleet(dir, Duration.ofSeconds(2));
            fleet.startServer("server.log");
            Api api = fleet.api();
            String base = fleet.baseUrl();
            Api.Response source = api.post("/api/v1/auth-sources", JSON.writeValueAsString(Map.of(
                    "name", "corp", "type", "oidc", "settings", Map.of(
                            "issuer", provider.issuerUrl("fleet").toString(), "clientId", "octofleet",
                            "clientSecret", "sso-secret", "redirectUri", base + "/api/v1/auth/oidc/corp/callback",
                            "groupsClaim", "groups", "displayName", "Corporate SSO",
                            "endSessionRedirectUri", base + "/"))));
            assertThat(source.status()).as(source.body().toString()).isEqualTo(201);
            assertThat(api.post("/api/v1/auth-sources/" + source.body().get("id").asText() + "/mappings",
                    "{\"group\":\"fleet-viewers\",\"role\":\"viewer\",\"organization\":\"default\"}").status())
                    .isEqualTo(201);
            provider.enqueueCallback(new DefaultOAuth2TokenCallback("fleet", "u-7", "JWT", List.of("octofleet"),
                    Map.of("preferred_username", "sso-ada", "name", "Ada Lovelace", "groups",
                            List.of("fleet-viewers")), 300));

            browser = chromium();
            browser.get(base + "/jobs");
            click(By.xpath("//a[normalize-space()='Sign in with Corporate SSO']"));
            assertThat(waitFor(By.cssSelector("[data-testid=signed-in-as]")).getText()).isEqualTo("Ada Lovelace");
            assertThat(browser.getCurrentUrl()).as("back where they were going, the session out of the address bar")
                    .isEqualTo(base + "/jobs");
            assertThat(browser.findElements(By.cssSelector("[data-testid=new-job]"))).as("a viewer by mapping").isEmpty();
            shot("14-sso-signed-in");
            // Signing out ends the session here, then at the provider, which sends the browser back to the login page.
            click(By.xpath("//button[normalize-space()='Sign out']"));
            waitFor(By.xpath("//a[normalize-space()='Sign in with Corporate SSO']"));
            assertThat(browser.getCurrentUrl()).startsWith(base);
            assertThat(((JavascriptExecutor) browser).executeScript(
                    "return sessionStorage.getItem('octofleet.session')")).isNull();
        } finally {
            provider.shutdown();
        }
    }

    /**
     * A directory with an {@code nvidia-smi} that replays the H100 recorded on the device machine
     * (agent/src/test/resources/nvidia-smi-xml): the inventory's query and the metrics' XML, so the dashboard's GPU
     * panels show what a real GPU reported, on a host without one.
     */
    private Path recordedH100() throws Exception {
        Path xml = Path.of("..", "agent", "src", "test", "resources", "nvidia-smi-xml", "h100-busy.xml")
                .toAbsolutePath().normalize();
        assertThat(xml).exists();
        Path bin = Files.createDirectories(dir.resolve("recorded-gpu"));
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, """
                #!/bin/sh
                case "$*" in
                  *--query-gpu=*) echo "0, NVIDIA H100 80GB HBM3, GPU-37d1158c-23ce-0fb2-3f20-eb4abf158f99, 81559, 580.159.04, Disabled, 00000000:00:06.0" ;;
                  *-x*) cat '%s' ;;
                  *) exit 1 ;;
                esac
                """.formatted(xml));
        smi.toFile().setExecutable(true);
        return bin;
    }

    private WebDriver chromium() throws Exception {
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1440,1000", "--user-data-dir=" + dir.resolve("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return driver;
    }

    private void signIn(String username, String password) {
        WebElement user = waitFor(By.id("username"));
        user.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE, username);
        WebElement pass = browser.findElement(By.id("password"));
        pass.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE, password);
        browser.findElement(By.xpath("//button[@type='submit'][normalize-space()='Sign in']")).click();
    }

    private void click(By by) {
        waitUntil(d -> {
            WebElement e = d.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
            if (e == null || !e.isEnabled()) {
                return null;
            }
            e.click();
            return true;
        }, "clickable " + by);
    }

    private WebElement waitFor(By by) {
        return waitUntil(d -> d.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null),
                "visible " + by);
    }

    private <T> T waitUntil(Function<WebDriver, T> condition, String what) {
        try {
            return new WebDriverWait(browser, Duration.ofSeconds(60), Duration.ofMillis(200))
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .withMessage(what)
                    .until(condition::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            shot("failed");
            throw new AssertionError("timed out waiting for " + what + " on " + browser.getCurrentUrl()
                    + "\npage text:\n" + browser.findElement(By.tagName("body")).getText() + fleet.logs(), e);
        }
    }

    private void shot(String name) {
        try {
            File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(png.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            throw new AssertionError("could not write the screenshot " + name, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static JsonNode awaitInventory(Api api, String node) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            JsonNode inventory = api.get("/api/v1/nodes/" + node).body().get("inventory");
            if (inventory != null && !inventory.isNull()) {
                return inventory;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no inventory from " + node);
    }
}
