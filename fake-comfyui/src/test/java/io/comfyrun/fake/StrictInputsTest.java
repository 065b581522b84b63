package io.comfyrun.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.Scenario;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misspelt field in a fault, trigger, timing or scenario file is an error that names the field and the known ones,
 * never a silent default (an empty trigger matching every node, a 500 instead of the 502 asked for).
 */
class StrictInputsTest {

    static FakeComfyUI fake;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        fake = FakeComfyUI.builder().port(0).timeScale(100).start();
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    record Answer(int status, String body) {
        String error() throws IOException {
            return PythonJson.parse(body).path("error").asText();
        }
    }

    static Answer admin(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.baseUrl() + path));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    @Test
    void aMisspeltTriggerFieldIsRejectedInsteadOfMatchingEveryNode() throws Exception {
        Answer a = admin("POST", "/__fake/faults", "{\"kind\": \"execution_error\", \"trigger\": {\"node\": \"3\"}}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error()).contains("unknown field 'node'").contains("trigger of fault execution_error")
                .contains("node_id").contains("at_step");
        assertThat(fake.faults().list()).as("nothing installed").isEmpty();
    }

    @Test
    void aMisspeltFaultFieldIsRejectedInsteadOfFallingBackToItsDefault() throws Exception {
        Answer a = admin("POST", "/__fake/faults", "{\"kind\": \"http_status\", \"statuss\": 502}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error()).contains("unknown field 'statuss' in fault http_status")
                .contains("known fields: kind, status, times, trigger");
    }

    @Test
    void aValueOfTheWrongTypeOrRangeNamesTheField() throws Exception {
        assertThat(admin("POST", "/__fake/faults", "{\"kind\": \"http_status\", \"status\": \"502\"}").error())
                .isEqualTo("status in fault http_status must be an integer, got: \"502\"");
        assertThat(admin("POST", "/__fake/faults", "{\"kind\": \"http_status\", \"status\": 5020}").error())
                .contains("status in fault http_status must be between 100 and 599");
        assertThat(admin("POST", "/__fake/faults", "{\"kind\": \"interrupt\", \"times\": 0}").error())
                .contains("times in fault interrupt must be a positive count or -1");
    }

    @Test
    void aTriggerFieldTheKindDoesNotReadIsRejected() throws Exception {
        Answer a = admin("POST", "/__fake/faults", "{\"kind\": \"http_status\", \"status\": 502,"
                + " \"trigger\": {\"node_id\": \"3\"}}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error()).contains("unknown field 'node_id' in the trigger of fault http_status")
                .contains("known fields: event_count, method, route");
    }

    @Test
    void unknownKindsAlwaysListTheKnownKinds() throws Exception {
        for (String kind : new String[] {"boom", "ws_explode", "http_teapot"}) {
            Answer a = admin("POST", "/__fake/faults", "{\"kind\": \"" + kind + "\"}");
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.error()).as(kind).contains("unknown fault kind \"" + kind + "\"")
                    .contains("known kinds: execution_error").contains("ws_rst").contains("http_truncate");
        }
        assertThat(admin("POST", "/__fake/faults", "{\"trigger\": {}}").error())
                .startsWith("a fault needs a \"kind\"; known kinds: execution_error");
    }

    @Test
    void oneBadFaultInAListInstallsNone() throws Exception {
        Answer a = admin("POST", "/__fake/faults", "[{\"kind\": \"http_reset\"}, {\"kind\": \"http_reset\", "
                + "\"trigger\": {\"rout\": \"/prompt\"}}]");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error()).startsWith("faults[1]: unknown field 'rout'");
        assertThat(fake.faults().list()).isEmpty();
    }

    @Test
    void aScenarioFileWithAMisspeltOptionFailsNamingTheFileAndTheField(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("slow.json");
        Files.writeString(file, "{\"time_scal\": 10, \"timings\": []}");
        assertThatThrownBy(() -> Scenario.fromPath(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("unknown field 'time_scal' in scenario")
                .hasMessageContaining("time_scale");
        Files.writeString(file, "{\"timings\": [{\"class_type\": \"KSampler\", \"step_per_second\": 5}]}");
        assertThatThrownBy(() -> Scenario.fromPath(file)).hasMessageContaining("timings[0]: unknown field "
                + "'step_per_second' in timing rule").hasMessageContaining("steps_per_second");
        Files.writeString(file, "{\"timings\": [{\"behaviour\": \"SAMPLR\"}]}");
        assertThatThrownBy(() -> Scenario.fromPath(file)).hasMessageContaining("unknown behaviour 'SAMPLR'")
                .hasMessageContaining("SAMPLER");
    }

    @Test
    void theAdminScenarioRouteRejectsMisspeltFieldsToo() throws Exception {
        Answer a = admin("POST", "/__fake/scenario", "{\"faults\": [{\"kind\": \"ws_rst\", \"trigger\": "
                + "{\"on_evnt\": \"progress\"}}]}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error()).contains("faults[0]: unknown field 'on_evnt' in the trigger of fault ws_rst");
        assertThat(admin("POST", "/__fake/time-scale", "{\"timescale\": 5}").error())
                .contains("unknown field 'timescale'").contains("time_scale");
        assertThat(admin("POST", "/__fake/version", "{\"jobs_api\": \"yes\"}").error())
                .isEqualTo("jobs_api in the version body must be true or false, got: \"yes\"");
    }

    @Test
    void journalQueryParametersAreValidatedNamingTheParameter() throws Exception {
        Answer kind = admin("GET", "/__fake/journal?kind=BOGUS", null);
        assertThat(kind.status()).isEqualTo(400);
        assertThat(kind.error()).contains("kind='BOGUS'").contains("HTTP_REQUEST").contains("WS_OUT");
        assertThat(admin("GET", "/__fake/journal?since=abc", null).error())
                .isEqualTo("since must be an integer, got: 'abc'");
        assertThat(admin("GET", "/__fake/journal?limt=3", null).error())
                .contains("unknown journal query parameter 'limt'").contains("known: kind, limit, since");
        Answer ok = admin("GET", "/__fake/journal?kind=server&limit=1", null);
        assertThat(ok.status()).isEqualTo(200);
        JsonNode entries = PythonJson.parse(ok.body()).path("entries");
        assertThat(entries).hasSize(1);
    }

    @Test
    void wellFormedFaultsAreStillInstalled() throws Exception {
        Answer a = admin("POST", "/__fake/faults", "{\"kind\": \"http_status\", \"status\": 502, \"times\": 2,"
                + " \"trigger\": {\"route\": \"/history/*\", \"method\": \"GET\"}}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(fake.faults().list()).hasSize(1);
        admin("DELETE", "/__fake/faults", null);
    }
}
