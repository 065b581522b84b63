package jenkins.model;

import hudson.security.ACL;
import hudson.security.AccessControlled;
import hudson.security.Permission;
import hudson.ExtensionList;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.ItemGroup;
import hudson.model.TopLevelItem;
import hudson.security.AuthorizationStrategy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Mirror of jenkins-core {@code jenkins.model.Jenkins} (members the plugin uses). {@link #get()} returns the one
 * running instance; its ACL comes from its authorization strategy (UNSECURED until set) and the current authentication
 * is the thread's Spring SecurityContext, as in the real one.
 */
public class Jenkins implements AccessControlled, ItemGroup<TopLevelItem> {
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

    private final Map<Class<?>, ExtensionList<?>> extensionLists = new ConcurrentHashMap<>();
    private volatile AuthorizationStrategy authorizationStrategy = AuthorizationStrategy.UNSECURED;

    @Override
    public ACL getACL() {
        // real getACL: the authorization strategy's root ACL
        return authorizationStrategy.getRootACL();
    }

    public AuthorizationStrategy getAuthorizationStrategy() {
        // real getAuthorizationStrategy
        return authorizationStrategy;
    }

    public void setAuthorizationStrategy(AuthorizationStrategy a) {
        // real setAuthorizationStrategy: null means UNSECURED
        authorizationStrategy = a == null ? AuthorizationStrategy.UNSECURED : a;
    }

    @SuppressWarnings("unchecked")
    public <T> ExtensionList<T> getExtensionList(Class<T> extensionType) {
        // real getExtensionList: one list per type, created on first use
        return (ExtensionList<T>) extensionLists.computeIfAbsent(extensionType, key -> ExtensionList.create(this, key));
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    public Descriptor getDescriptorOrDie(Class<? extends Describable> type) {
        // real getDescriptorOrDie: the registered Descriptor whose clazz is that type, AssertionError if none
        for (Descriptor d : getExtensionList(Descriptor.class)) {
            if (d.clazz == type) {
                return d;
            }
        }
        throw new AssertionError(type + " is missing its descriptor");
    }

    @Override
    public String getFullName() {
        // real getFullName: the root of the item tree has the empty full name
        return "";
    }

    @Override
    public String getDisplayName() {
        // real getDisplayName: Messages.Hudson_DisplayName(), "Jenkins"
        return "Jenkins";
    }

    public String getRootUrl() {
        // real getRootUrl: the configured URL or the request's: not reproduced
        throw new UnsupportedOperationException("mirror: getRootUrl");
    }
}
