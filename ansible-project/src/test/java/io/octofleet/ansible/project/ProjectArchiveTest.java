package io.octofleet.ansible.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@EnabledOnOs(OS.LINUX)
class ProjectArchiveTest {
    @TempDir
    Path temp;

    private Path project() {
        return temp.resolve("project");
    }

    @Test
    void unpacksWhatRealTarWroteWithLongNamesAndLinksInside() throws Exception {
        Path source = Files.createDirectories(temp.resolve("source/roles/web/tasks"));
        Files.writeString(source.resolve("main.yml"), "- debug: msg=hi\n");
        String deep = "d".repeat(120) + "/" + "e".repeat(80);
        Files.createDirectories(temp.resolve("source").resolve(deep));
        Files.writeString(temp.resolve("source").resolve(deep).resolve("long-" + "f".repeat(90) + ".yml"), "x\n");
        Files.writeString(temp.resolve("source/site.yml"), "- hosts: all\n");
        Files.createSymbolicLink(temp.resolve("source/playbook.yml"), Path.of("site.yml"));
        Path archive = temp.resolve("project.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", temp.resolve("source").toString(),
                ".").inheritIO().start();
        assertThat(tar.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();

        ProjectArchive.unpack(Files.readAllBytes(archive), project());

        assertThat(project().resolve("roles/web/tasks/main.yml")).hasContent("- debug: msg=hi");
        assertThat(project().resolve(deep).resolve("long-" + "f".repeat(90) + ".yml")).hasContent("x");
        assertThat(project().resolve("playbook.yml")).isSymbolicLink().hasContent("- hosts: all");
        assertThat(Files.getPosixFilePermissions(project())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(project().resolve("site.yml")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void keepsTheOwnersExecuteBit() throws Exception {
        ProjectArchive.unpack(new TarGz().executable("bin/tool", "#!/bin/sh\n").build(), project());

        assertThat(Files.getPosixFilePermissions(project().resolve("bin/tool")))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void rejectsAPathThatClimbsOut() {
        byte[] archive = new TarGz().file("roles/../../evil", "pwned").build();

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, project()))
                .isInstanceOf(InvalidProjectArchiveException.class)
                .hasMessage("project archive entry roles/../../evil leaves the project directory");
        assertThat(temp.resolve("evil")).doesNotExist();
    }

    @Test
    void rejectsAnAbsolutePath() {
        byte[] archive = new TarGz().file("/tmp/octofleet-evil", "pwned").build();

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, project()))
                .isInstanceOf(InvalidProjectArchiveException.class)
                .hasMessageContaining("absolute");
        assertThat(Path.of("/tmp/octofleet-evil")).doesNotExist();
    }

    @Test
    void rejectsASymbolicLinkPointingOut() {
        byte[] archive = new TarGz().symlink("etc", "../../../etc").build();

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, project()))
                .isInstanceOf(InvalidProjectArchiveException.class)
                .hasMessage("project archive entry etc links to ../../../etc, outside the project directory");
    }

    @Test
    void rejectsAnAbsoluteSymbolicLink() {
        byte[] archive = new TarGz().symlink("passwd", "/etc/passwd").build();

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, project()))
                .isInstanceOf(InvalidProjectArchiveException.class)
                .hasMessage("project archive entry passwd links to an absolute path /etc/passwd");
    }

    @Test
    void rejectsALinkThatOnlyLeadsOutOnceAnEarlierLinkIsFollowed() {
        // "here/up" read as text stays inside, but "here" is the root itself, so "here/up" -> ".." is its parent.
        byte[] archive = new TarGz().symlink("here", ".").symlink("here/up", "..").file("here/up/evil", "x").build();

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, project()))
                .isInstanceOf(InvalidProjectArchiveException.class)
                .hasMessage("project archive entry here/up links to .., outside the project directory");
        assertThat(temp.resolve("evil")).doesNotExist();
    }

    @Test
    void neverWritesThroughALinkPlantedByAnEarlierEntry() throws Exception {
        Path outside = Files.writeString(temp.resolve("outside.txt"), "original");
        // A link inside the project to a file inside is fine; a later file of the same name replaces the link.
        byte[] archive = new TarGz().file("a.txt", "a").symlink("b.txt", "a.txt").file("b.txt", "b").build();

        ProjectArchive.unpack(archive, project());

        assertThat(project().resolve("b.txt")).isRegularFile().hasContent("b");
        assertThat(project().resolve("a.txt")).hasContent("a");
        assertThat(outside).hasContent("original");
    }

    @Test
    void rejectsHardLinks() {
        byte[] archive = new TarGz().file("a", "a").hardLink("b", "/etc/shadow").build();

        assertThatThrownBy(() -> ProjectArchive.unpack(archive, project()))
                .isInstanceOf(InvalidProjectArchiveException.class)
                .hasMessage("project archive entry b is a hard link; hard links are not supported");
    }

    @Test
    void rejectsSomethingThatIsNotGzip() {
        assertThatThrownBy(() -> ProjectArchive.unpack("not an archive".getBytes(), project()))
                .isInstanceOf(InvalidProjectArchiveException.class)
                .hasMessageStartingWith("project archive is not a readable .tar.gz");
    }
}
