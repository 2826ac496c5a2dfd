package io.octofleet.server.enrollment;

import io.octofleet.server.nodes.NodeId;
import io.octofleet.server.pki.IssuedCertificate;
import jakarta.inject.Singleton;
import org.jooq.DSLContext;

import java.time.ZoneOffset;

import static io.octofleet.server.db.Tables.AGENT_CERTIFICATES;
import static io.octofleet.server.db.Tables.NODES;

/** Every client certificate the CA issued, so that a certificate can be revoked before it expires. */
@Singleton
public final class AgentCertificateRepository {
    private final DSLContext dsl;

    AgentCertificateRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    void insert(DSLContext tx, NodeId node, IssuedCertificate certificate) {
        tx.insertInto(AGENT_CERTIFICATES)
                .set(AGENT_CERTIFICATES.SERIAL, certificate.serial())
                .set(AGENT_CERTIFICATES.NODE_ID, node.value())
                .set(AGENT_CERTIFICATES.NOT_BEFORE, certificate.notBefore().atOffset(ZoneOffset.UTC))
                .set(AGENT_CERTIFICATES.NOT_AFTER, certificate.notAfter().atOffset(ZoneOffset.UTC))
                .execute();
    }

    /**
     * Whether a presented certificate may be used now: we issued it to this node, it is not revoked, and the node
     * still exists. One indexed lookup per RPC (not per message), so revocation takes effect on the next call.
     */
    public boolean isActive(String serial, NodeId node) {
        return dsl.fetchExists(dsl.selectOne()
                .from(AGENT_CERTIFICATES)
                .join(NODES).on(NODES.ID.eq(AGENT_CERTIFICATES.NODE_ID))
                .where(AGENT_CERTIFICATES.SERIAL.eq(serial))
                .and(AGENT_CERTIFICATES.NODE_ID.eq(node.value()))
                .and(AGENT_CERTIFICATES.REVOKED_AT.isNull()));
    }
}
