package io.comfyrun.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.Scenario;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JUnit 5 extension takes every option of the server's builder, and keeps them from test to test. */
class FakeComfyUIExtensionTest {

    static final String AUTH = "Bearer ext-7a21";

    @RegisterExtension
    static FakeComfyUIExtension proxied = FakeComfyUIExtension.with(b -> b.comfyuiVersion("0.3.44").jobsApi(true)
            .basePath("/comfy").requireAuth(AUTH).seed(11));

    static final OkHttpClient http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();

    @AfterAll
    static void closeClient() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    static Response get(FakeComfyUIExtension fake, String route, String auth) throws IOException {
        Request.Builder r = new Request.Builder().url(fake.baseUrl() + "/" + route);
        if (auth != null) {
            r.header("Authorization", auth);
        }
        return http.newCall(r.build()).execute();
    }

    @Test
    void builderOptionsReachTheServer(FakeComfyUI server) throws IOException {
        assertThat(server.baseUrl().getPath()).isEqualTo("/comfy");
        try (Response r = get(proxied, "system_stats", null)) {
            assertThat(r.code()).as("requireAuth").isEqualTo(401);
        }
        try (Response r = get(proxied, "system_stats", AUTH)) {
            assertThat(r.code()).isEqualTo(200);
            JsonNode stats = PythonJson.MAPPER.readTree(r.body().string());
            assertThat(stats.at("/system/comfyui_version").asText()).isEqualTo("0.3.44");
        }
        assertThat(proxied.scenario().current().jobsApi()).isTrue();
        assertThat(proxied.scenario().timeScale()).as("the extension's default time scale")
                .isEqualTo(FakeComfyUIExtension.DEFAULT_TIME_SCALE);
    }

    /** Calls the lifecycle as JUnit does, so the order of two tests is not what the assertion rests on. */
    @Test
    void optionsAChangedTestSetAreRestoredForTheNextTest() throws IOException {
        FakeComfyUIExtension ext = FakeComfyUIExtension.builder().previews(false).comfyuiVersion("0.3.50")
                .options(b -> b.timeScale(300)).build();
        ext.beforeAll(null);
        try {
            ext.beforeEach(null);
            assertThat(ext.scenario().current().previews()).as("previews(false) survives the reset").isFalse();
            ext.scenario().comfyuiVersion("0.3.64").previews(true).timeScale(5);
            ext.afterEach(null);

            ext.beforeEach(null);
            Scenario now = ext.scenario().current();
            assertThat(now.comfyuiVersion()).isEqualTo("0.3.50");
            assertThat(now.previews()).isFalse();
            assertThat(now.timeScale()).isEqualTo(300);
            try (Response r = get(ext, "system_stats", null)) {
                assertThat(PythonJson.MAPPER.readTree(r.body().string()).at("/system/comfyui_version").asText())
                        .isEqualTo("0.3.50");
            }
            ext.afterEach(null);
        } finally {
            ext.afterAll(null);
        }
    }

    @Test
    void aBadOptionFailsWhereTheExtensionIsDeclared() {
        assertThatThrownBy(() -> FakeComfyUIExtension.builder().comfyuiVersion("latest"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latest");
        assertThatThrownBy(() -> FakeComfyUIExtension.with(b -> b.requireAuth("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("require_auth");
    }
}
