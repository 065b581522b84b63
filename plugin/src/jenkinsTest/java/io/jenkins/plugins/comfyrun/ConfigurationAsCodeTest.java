package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.casc.misc.ConfiguredWithCode;
import io.jenkins.plugins.casc.misc.JenkinsConfiguredWithCodeRule;
import io.jenkins.plugins.casc.misc.junit.jupiter.WithJenkinsConfiguredWithCode;
import io.jenkins.plugins.casc.ConfigurationAsCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The global configuration round-trips through configuration-as-code (unclassified: comfyui:). */
@WithJenkinsConfiguredWithCode
class ConfigurationAsCodeTest {
    @Test
    @ConfiguredWithCode("casc.yaml")
    void roundTrip(JenkinsConfiguredWithCodeRule j) throws Exception {
        ComfyGlobalConfiguration c = ComfyGlobalConfiguration.get();
        assertThat(c.getDefaultServer()).isEqualTo("gpu-1");
        assertThat(c.isAllowServerUrl()).isFalse();
        assertThat(c.getServers()).hasSize(2);
        ComfyServer gpu1 = c.findServer("gpu-1");
        assertThat(gpu1.getUrl()).isEqualTo("http://gpu-1:8188/");
        assertThat(gpu1.getCredentialsId()).isEqualTo("comfy-token");
        assertThat(gpu1.getReadTimeoutSeconds()).isEqualTo(45);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConfigurationAsCode.get().export(out);
        String exported = out.toString(StandardCharsets.UTF_8);
        assertThat(exported).contains("comfyui:").contains("name: \"gpu-1\"").contains("credentialsId: \"comfy-token\"")
                .contains("allowServerUrl: false");
    }
}
