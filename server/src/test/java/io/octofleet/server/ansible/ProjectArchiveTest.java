package io.octofleet.server.ansible;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Archives made by the real GNU tar, as operators make them. */
class ProjectArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void unpacksFilesAndDirectoriesKeepingTheExecutableBit() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/roles/web/tasks"));
        Files.writeString(tmp.resolve("src/site.yml"), "- hosts: all\n");
        Files.writeString(src.resolve("main.yml"), "- debug: msg=hi\n");
        Path script = Files.writeString(tmp.resolve("src/run.sh"), "#!/bin/sh\n");
        script.toFile().setExecutable(true);
        // A name over 100 characters needs a GNU long-name or pax record.
        Path deep = Files.createDirectories(tmp.resolve("src/" + "d".repeat(60) + "/" + "e".repeat(60)));
        Files.writeString(deep.resolve("long-name.yml"), "x: 1\n");

        Path project = tmp.resolve("project");
        List<String> written = ProjectArchive.unpack(tar(tmp.resolve("src"), "."), project);

        assertThat(written).contains("site.yml", "roles/web/tasks/main.yml", "run.sh",
                "d".repeat(60) + "/" + "e".repeat(60) + "/long-name.yml");
        assertThat(Files.readString(project.resolve("roles/web/tasks/main.yml"))).isEqualTo("- debug: msg=hi\n");
        assertThat(Files.getPosixFilePermissions(project.resolve("run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(project.resolve("site.yml")))
                .doesNotContain(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_READ);
    }

    @Test
    void refusesAnEntryThatClimbsOutOfTheProject() throws Exception {
        Path inner = Files.createDirectories(tmp.resolve("a/b"));
        Files.writeString(tmp.resolve("a/evil.yml"), "x\n");
        // -P keeps the leading "../" GNU tar would otherwise strip.
        String archive = tar(inner, "-P", "../evil.yml");

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, tmp.resolve("project")))
                .isInstanceOf(ProjectArchive.InvalidArchiveException.class).hasMessageContaining("'../evil.yml'");
        assertThat(tmp.resolve("evil.yml")).doesNotExist();
    }

    @Test
    void refusesAnAbsolutePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("abs.yml"), "x\n");
        String archive = tar(tmp, "-P", file.toString());

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, tmp.resolve("project")))
                .isInstanceOf(ProjectArchive.InvalidArchiveException.class).hasMessageContaining("absolute path");
    }

    @Test
    void refusesLinksEvenToHarmlessTargets() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("site.yml"), "- hosts: all\n");
        Files.createSymbolicLink(src.resolve("etc"), Path.of("/etc"));
        String symlink = tar(src, ".");
        assertThatThrownBy(() -> ProjectArchive.unpack(symlink, tmp.resolve("p1")))
                .isInstanceOf(ProjectArchive.InvalidArchiveException.class).hasMessageContaining("symbolic link");
        assertThat(tmp.resolve("p1/etc")).doesNotExist();

        Files.delete(src.resolve("etc"));
        Files.createLink(src.resolve("again.yml"), src.resolve("site.yml"));
        String hardLink = tar(src, ".");
        assertThatThrownBy(() -> ProjectArchive.unpack(hardLink, tmp.resolve("p2")))
                .isInstanceOf(ProjectArchive.InvalidArchiveException.class).hasMessageContaining("hard link");
    }

    @Test
    void refusesWhatIsNotATarGz() {
        String gzipOfText = Base64.getEncoder().encodeToString(gzip("not a tar archive at all".repeat(40)));
        assertThatThrownBy(() -> ProjectArchive.unpack(gzipOfText, tmp.resolve("p")))
                .isInstanceOf(ProjectArchive.InvalidArchiveException.class);
        assertThatThrownBy(() -> ProjectArchive.unpack("bm90IGd6aXA=", tmp.resolve("p")))
                .isInstanceOf(ProjectArchive.InvalidArchiveException.class).hasMessageContaining("gzip");
    }

    private static byte[] gzip(String text) {
        try {
            var bytes = new java.io.ByteArrayOutputStream();
            try (var out = new java.util.zip.GZIPOutputStream(bytes)) {
                out.write(text.getBytes());
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code tar -czf - <args>} run in dir, base64. */
    private String tar(Path dir, String... args) throws Exception {
        Path out = Files.createTempFile(tmp, "archive", ".tar.gz");
        List<String> command = new ArrayList<>(List.of("tar", "-czf", out.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        return Base64.getEncoder().encodeToString(Files.readAllBytes(out));
    }
}
