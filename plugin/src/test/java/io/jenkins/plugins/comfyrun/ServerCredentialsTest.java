package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.AbortException;
import io.comfyrun.client.ServerAuth;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.FingerprintSwitch;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import hudson.security.ACL;
import java.util.List;
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
        TestJenkins.credentials().add(c);
        ServerAuth auth = ServerCredentials.forRun("tok", run);
        assertThat(auth).isInstanceOf(ServerAuth.Bearer.class);
        assertThat(auth.headers()).containsEntry("Authorization", "Bearer s3cr3t");
        assertThat(auth.toString()).doesNotContain("s3cr3t");
        assertThat(TestJenkins.used()).containsExactly(c);
    }

    @Test
    void usernamePasswordIsBasicAuth() throws AbortException {
        TestJenkins.credentials().add(new TestJenkins.UserPassword("up", "alice", "pa55word"));
        ServerAuth auth = ServerCredentials.forRun("up", run);
        assertThat(auth).isEqualTo(ServerAuth.basic("alice", "pa55word"));
        assertThat(auth.toString()).doesNotContain("pa55word");
    }

    @Test
    void noCredentialsIdMeansNoAuth() throws AbortException {
        assertThat(ServerCredentials.forRun(null, run)).isEqualTo(ServerAuth.none());
        assertThat(ServerCredentials.forRun(" ", run)).isEqualTo(ServerAuth.none());
        assertThat(TestJenkins.used()).isEmpty();
    }

    @Test
    void missingCredentialsNameTheIdAndTheRun() {
        assertThatThrownBy(() -> ServerCredentials.forRun("nope", run))
                .isInstanceOf(AbortException.class).hasMessageContaining("'nope'").hasMessageContaining("p#1");
    }

    /** Tracking fires the CredentialsUseListener extensions, as SYSTEM2, once per use. */
    @Test
    void trackingFiresTheUseListenersAsTheSystem() throws AbortException {
        TestJenkins.SecretText c = new TestJenkins.SecretText("tok", "s3cr3t");
        TestJenkins.credentials().add(c);
        ServerCredentials.forRun("tok", run);
        ServerCredentials.forRun("tok", run);
        assertThat(TestJenkins.used()).containsExactly(c, c);
        assertThat(((TestJenkins.UseRecorder) jenkins.model.Jenkins.get()
                .getExtensionList(com.cloudbees.plugins.credentials.CredentialsUseListener.class).get(0)).as)
                .containsOnly(ACL.SYSTEM2);
    }

    /** With fingerprints on (the real default) the mirror cannot write one: it says so instead of pretending. */
    @Test
    void trackingWithFingerprintsOnIsNotReproduced() {
        TestJenkins.SecretText c = new TestJenkins.SecretText("tok", "s3cr3t");
        boolean previous = FingerprintSwitch.set(true);
        try {
            assertThatThrownBy(() -> CredentialsProvider.track(run, c)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("fingerprint");
            assertThat(CredentialsProvider.track(run, (TestJenkins.SecretText) null)).isNull();
        } finally {
            FingerprintSwitch.set(previous);
        }
        assertThat(TestJenkins.used()).isEmpty();
    }

    /** The id is trimmed; a run here has no credentials parameters, so "${tok}" is looked up as that very id. */
    @Test
    void findByIdTrimsAndTakesAnExpressionWithoutParametersLiterally() {
        TestJenkins.SecretText c = new TestJenkins.SecretText("tok", "s3cr3t");
        TestJenkins.credentials().add(c);
        assertThat(CredentialsProvider.findCredentialById(" tok ", StandardCredentials.class, run)).isSameAs(c);
        assertThat(CredentialsProvider.findCredentialById("${tok}", StandardCredentials.class, run)).isNull();
        assertThat(CredentialsProvider.findCredentialById("nope", StandardCredentials.class, run)).isNull();
    }

    /** Every registered provider is asked in order, the first credentials of an id win, and only applicable types. */
    @Test
    void lookupsGoThroughEveryRegisteredProvider() {
        TestJenkins.SecretText first = new TestJenkins.SecretText("tok", "one");
        TestJenkins.credentials().add(first);
        TestCredentialsProvider second = new TestCredentialsProvider();
        second.add(new TestJenkins.SecretText("tok", "two"));
        second.add(new TestJenkins.UserPassword("up", "u", "p"));
        jenkins.model.Jenkins.get().getExtensionList(CredentialsProvider.class).add(second);
        assertThat(CredentialsProvider.lookupCredentialsInItem(StandardCredentials.class, null, ACL.SYSTEM2, List.of()))
                .extracting(StandardCredentials::getId).containsExactly("tok", "up");
        assertThat(CredentialsProvider.findCredentialById("tok", StandardCredentials.class, run)).isSameAs(first);
        assertThat(CredentialsProvider.listCredentialsInItem(StandardCredentials.class, run.getParent(), ACL.SYSTEM2,
                List.of(), com.cloudbees.plugins.credentials.CredentialsMatchers.always()))
                .extracting(o -> o.value).containsExactly("tok", "up");
        // the system store gives nothing to a user's authentication
        assertThat(CredentialsProvider.lookupCredentialsInItem(StandardCredentials.class, run.getParent(),
                new org.springframework.security.authentication.UsernamePasswordAuthenticationToken("alice", "pw"), List.of()))
                .isEmpty();
    }

    /** A provider overriding none of the lookups fails as in Jenkins: getCredentialsInItemGroup is abstract there. */
    @Test
    void aProviderWithoutItsLookupFailsAsInJenkins() {
        jenkins.model.Jenkins.get().getExtensionList(CredentialsProvider.class).add(new CredentialsProvider() {
        });
        assertThatThrownBy(() -> CredentialsProvider.findCredentialById("tok", StandardCredentials.class, run))
                .isInstanceOf(AbstractMethodError.class).hasMessageContaining("getCredentialsInItemGroup");
    }
}
