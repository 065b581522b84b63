package jenkins.model;

import hudson.security.ACL;
import hudson.security.AccessControlled;
import hudson.security.Permission;
import io.comfyrun.mirror.MirrorJenkins;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Mirror of jenkins-core {@code jenkins.model.Jenkins} (members the plugin uses). {@link #get()} returns the one
 * running instance, whose ACL is {@link MirrorJenkins#rootAcl()} (test support); the current authentication is the
 * thread's Spring SecurityContext, as in the real one.
 */
public class Jenkins implements AccessControlled {
    public static final Permission ADMINISTER = Permission.fromId("hudson.model.Hudson.Administer");
    public static final Permission MANAGE = Permission.fromId("hudson.model.Hudson.Manage");
    public static final Permission READ = Permission.fromId("hudson.model.Hudson.Read");
    public static final Permission SYSTEM_READ = Permission.fromId("hudson.model.Hudson.SystemRead");

    private static final Jenkins INSTANCE = new Jenkins();

    private Jenkins() {
    }

    public static Jenkins get() throws IllegalStateException {
        // real get(): the running instance (the mirror's Jenkins is always running)
        return INSTANCE;
    }

    public static Jenkins getInstanceOrNull() {
        // real getInstanceOrNull(): the running instance
        return INSTANCE;
    }

    public static Authentication getAuthentication2() {
        // real getAuthentication2: the thread's SecurityContext authentication, anonymous when there is none
        Authentication a = SecurityContextHolder.getContext().getAuthentication();
        return a == null ? ANONYMOUS : a;
    }

    /** What real {@code ANONYMOUS2} is: an AnonymousAuthenticationToken of "anonymous". */
    private static final Authentication ANONYMOUS = new AnonymousAuthenticationToken("anonymous", "anonymous",
            java.util.Set.of(new SimpleGrantedAuthority("anonymous")));

    @Override
    public ACL getACL() {
        // real getACL: the authorization strategy's root ACL (the mirror's strategy: MirrorJenkins, test support)
        return MirrorJenkins.rootAcl();
    }

    public String getRootUrl() {
        // real getRootUrl: the configured URL or the request's: not reproduced
        throw new UnsupportedOperationException("mirror: getRootUrl");
    }
}
