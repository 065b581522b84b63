package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import static io.jenkins.plugins.casc.misc.Util.getUnclassifiedRoot;
import static io.jenkins.plugins.casc.misc.Util.toYamlString;

import io.jenkins.plugins.casc.ConfigurationContext;
import io.jenkins.plugins.casc.ConfiguratorRegistry;
import io.jenkins.plugins.casc.misc.ConfiguredWithCode;
import io.jenkins.plugins.casc.misc.JenkinsConfiguredWithCodeRule;
import io.jenkins.plugins.casc.misc.junit.jupiter.WithJenkinsConfiguredWithCode;
import io.jenkins.plugins.casc.model.CNode;
import org.junit.jupiter.api.Test;

/** The global configuration round-trips through configuration-as-code (unclassified: comfyui:). */
@WithJenkinsConfiguredWithCode
class ConfigurationAsCodeTest {
    @Test
    @ConfiguredWithCode("casc.yaml")
    void roundTrip(JenkinsConfiguredWithCodeRule j) throws Exception {
        ComfyGlobalConfiguration c = ComfyGlobalConfiguration.get();
        assertThat(c.getDefaultServer()).isEqualTo("gpu-1");
        assertThat(c.isAllowServerUrl()).isTrue(); // opt-in: off unless configured
        assertThat(c.getServers()).hasSize(2);
        ComfyServer gpu1 = c.findServer("gpu-1");
        assertThat(gpu1.getUrl()).isEqualTo("http://gpu-1:8188/");
        assertThat(gpu1.getCredentialsId()).isEqualTo("comfy-token");
        assertThat(gpu1.getReadTimeoutSeconds()).isEqualTo(45);

        // export the way the configuration-as-code docs show for plugins (the whole-instance export is not public API)
        ConfigurationContext context = new ConfigurationContext(ConfiguratorRegistry.get());
        CNode comfyui = getUnclassifiedRoot(context).get("comfyui");
        assertThat(comfyui).as("the global configuration is exported under unclassified: comfyui:").isNotNull();
        String exported = toYamlString(comfyui);
        assertThat(exported).contains("name: \"gpu-1\"").contains("credentialsId: \"comfy-token\"")
                .contains("readTimeoutSeconds: 45").contains("allowServerUrl: true").contains("defaultServer: \"gpu-1\"");
    }

    /** Server pools from YAML (members checked against the servers of the same file), and exported back. */
    @Test
    @ConfiguredWithCode("casc-pools.yaml")
    void poolsRoundTrip(JenkinsConfiguredWithCodeRule j) throws Exception {
        ComfyGlobalConfiguration c = ComfyGlobalConfiguration.get();
        assertThat(c.getPools()).hasSize(1);
        ComfyServerPool farm = c.findPool("farm");
        assertThat(farm.getMembers()).extracting(ComfyServerPool.Member::getServer).containsExactly("gpu-1", "gpu-2");
        assertThat(farm.getMembers()).extracting(ComfyServerPool.Member::getMaxInFlight).containsExactly(0, 2);
        assertThat(c.isAllowServerUrl()).isFalse();

        ConfigurationContext context = new ConfigurationContext(ConfiguratorRegistry.get());
        String exported = toYamlString(getUnclassifiedRoot(context).get("comfyui"));
        assertThat(exported).contains("pools:").contains("name: \"farm\"").contains("server: \"gpu-1\"").contains("maxInFlight: 2");
    }
}
