package com.cloudbees.plugins.credentials;

import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.model.Item;
import hudson.model.Run;
import hudson.security.Permission;
import hudson.util.ListBoxModel;
import io.comfyrun.mirror.MirrorJenkins;
import java.util.List;
import org.springframework.security.core.Authentication;

/**
 * Mirror of the static credentials-plugin {@code CredentialsProvider} API the plugin calls. Lookups are answered
 * from {@link MirrorJenkins#addCredentials} (mirror-only); {@link #track} records into {@link MirrorJenkins#tracked()}.
 * The real lookups also apply the run's authentication, USE_ITEM/USE_OWN and domain requirements.
 */
public abstract class CredentialsProvider {
    public static final Permission CREATE = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.Create");
    public static final Permission VIEW = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.View");
    public static final Permission USE_ITEM = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.UseItem");
    public static final Permission USE_OWN = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.UseOwn");

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
            DomainRequirement... domainRequirements) {
        return findCredentialById(id, type, run, List.of(domainRequirements));
    }

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
            List<DomainRequirement> domainRequirements) {
        // real findCredentialById: the run's job's credentials of that type and id (parameters expanded), or null;
        // the mirror's store is MirrorJenkins (test support), without authentication or domain rules
        for (Credentials c : MirrorJenkins.credentials()) {
            if (type.isInstance(c) && type.cast(c).getId().equals(id)) {
                return type.cast(c);
            }
        }
        return null;
    }

    public static <C extends Credentials> C track(Run build, C credentials) {
        // real track: records the use in the credentials' fingerprint and returns them; the mirror records the
        // use in MirrorJenkins.tracked() (test support)
        if (credentials != null) {
            MirrorJenkins.tracked().add(credentials);
        }
        return credentials;
    }

    /** A null item means the Jenkins root, as in the real one. */
    public static <C extends Credentials> List<C> lookupCredentialsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements) {
        // real lookupCredentialsInItem: every provider's credentials of that type visible to the authentication in
        // the item; the mirror's one store (MirrorJenkins, test support) without authentication or domain rules
        return MirrorJenkins.credentials().stream().filter(type::isInstance).map(type::cast).toList();
    }

    public static <C extends IdCredentials> ListBoxModel listCredentialsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        // real listCredentialsInItem: one option per matching credential (value: its id; name: its display name,
        // the id here), from the mirror's store (MirrorJenkins, test support)
        ListBoxModel result = new ListBoxModel();
        for (Credentials c : MirrorJenkins.credentials()) {
            if (type.isInstance(c) && matcher.matches(c)) {
                result.add(type.cast(c).getId(), type.cast(c).getId());
            }
        }
        return result;
    }
}
