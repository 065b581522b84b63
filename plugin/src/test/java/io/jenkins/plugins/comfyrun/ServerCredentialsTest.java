package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.AbortException;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.mirror.MirrorJenkins;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Secret text becomes a bearer token, username/password basic auth; use is tracked; errors never show a secret. */
class ServerCredentialsTest {
    private final TestJenkins.TestRun run = TestJenkins.TestRun.create("p");

    @BeforeEach
    void setUp() {
        TestJenkins.reset();
    }

    @Test
    void secretTextIsABearerToken() throws AbortException {
        TestJenkins.SecretText c = new TestJenkins.SecretText("tok", "s3cr3t");
        MirrorJenkins.addCredentials(c);
        ServerAuth auth = ServerCredentials.forRun("tok", run);
        assertThat(auth).isInstanceOf(ServerAuth.Bearer.class);
        assertThat(auth.headers()).containsEntry("Authorization", "Bearer s3cr3t");
        assertThat(auth.toString()).doesNotContain("s3cr3t");
        assertThat(MirrorJenkins.tracked()).containsExactly(c);
    }

    @Test
    void usernamePasswordIsBasicAuth() throws AbortException {
        MirrorJenkins.addCredentials(new TestJenkins.UserPassword("up", "alice", "pa55word"));
        ServerAuth auth = ServerCredentials.forRun("up", run);
        assertThat(auth).isEqualTo(ServerAuth.basic("alice", "pa55word"));
        assertThat(auth.toString()).doesNotContain("pa55word");
    }

    @Test
    void noCredentialsIdMeansNoAuth() throws AbortException {
        assertThat(ServerCredentials.forRun(null, run)).isEqualTo(ServerAuth.none());
        assertThat(ServerCredentials.forRun(" ", run)).isEqualTo(ServerAuth.none());
        assertThat(MirrorJenkins.tracked()).isEmpty();
    }

    @Test
    void missingCredentialsNameTheIdAndTheRun() {
        assertThatThrownBy(() -> ServerCredentials.forRun("nope", run))
                .isInstanceOf(AbortException.class).hasMessageContaining("'nope'").hasMessageContaining("p#1");
    }
}
