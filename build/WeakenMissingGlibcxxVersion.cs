// Compiled by MSBuild's RoslynCodeTaskFactory (see LibTorchSharpGlibcxx.targets).
// Marks the GLIBCXX_3.4.32 version need of libLibTorchSharp.so as weak when the system's
// libstdc++ lacks that version, after proving that only a link-time anchor symbol uses it.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LinearDsl.Build
{
    public sealed class WeakenMissingGlibcxxVersion : Task
    {
        const string LibraryName = "libLibTorchSharp.so";
        const string MissingVersion = "GLIBCXX_3.4.32";
        // The one symbol GCC 13 binds to GLIBCXX_3.4.32; it is never called.
        const string AnchorSymbol = "_ZSt21ios_base_library_initv";
        const ushort VerFlagWeak = 0x2;

        static readonly string[] LibStdCxxCandidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        [Required]
        public string[] Directories { get; set; } = Array.Empty<string>();

        public override bool Execute()
        {
            var libraries = FindLibraries();
            if (libraries.Count == 0) return true;

            string? systemLib = Array.Find(LibStdCxxCandidates, File.Exists);
            if (systemLib == null)
            {
                Log.LogMessage(MessageImportance.Low, "No system libstdc++.so.6 found; libLibTorchSharp.so left as shipped.");
                return true;
            }
            if (Contains(File.ReadAllBytes(systemLib), Encoding.ASCII.GetBytes(MissingVersion + "\0")))
            {
                Log.LogMessage(MessageImportance.Low, $"{systemLib} provides {MissingVersion}; no patch needed.");
                return true;
            }

            foreach (var path in libraries)
            {
                try
                {
                    Patch(path);
                }
                catch (InvalidDataException e)
                {
                    Log.LogError($"Cannot make {path} load with {systemLib}: {e.Message} " +
                                 "Install a libstdc++ that provides " + MissingVersion + " or use a TorchSharp build linked against GCC 12.");
                }
            }
            return !Log.HasLoggedErrors;
        }

        List<string> FindLibraries()
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var dir in Directories)
            {
                if (string.IsNullOrWhiteSpace(dir) || !System.IO.Directory.Exists(dir)) continue;
                foreach (var file in System.IO.Directory.EnumerateFiles(dir, LibraryName, SearchOption.AllDirectories))
                    found.Add(Path.GetFullPath(file));
            }
            return new List<string>(found);
        }

        void Patch(string path)
        {
            byte[] elf = File.ReadAllBytes(path);
            var reader = new ElfReader(elf);
            var need = reader.FindVersionNeed(MissingVersion);
            if (need == null)
            {
                Log.LogMessage(MessageImportance.Low, $"{path} does not need {MissingVersion}.");
                return;
            }
            if ((need.Value.Flags & VerFlagWeak) != 0)
            {
                Log.LogMessage(MessageImportance.Low, $"{path} already patched.");
                return;
            }
            var users = reader.SymbolsWithVersionIndex(need.Value.Index);
            foreach (var symbol in users)
            {
                if (symbol != AnchorSymbol)
                    throw new InvalidDataException($"symbol '{symbol}' really needs {MissingVersion}, so the version cannot be made weak.");
            }

            ushort flags = (ushort)(need.Value.Flags | VerFlagWeak);
            elf[need.Value.FlagsOffset] = (byte)(flags & 0xff);
            elf[need.Value.FlagsOffset + 1] = (byte)(flags >> 8);

            // Write next to the target and rename, so a hard link into the NuGet cache is never written through.
            string temp = path + ".glibcxx-patch.tmp";
            File.WriteAllBytes(temp, elf);
            File.Delete(path);
            File.Move(temp, path);
            Log.LogMessage(MessageImportance.High, $"LinearDsl: marked {MissingVersion} weak in {path} (system libstdc++ lacks it; see README).");
        }

        static bool Contains(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }

        struct VersionNeed
        {
            public ushort Index;
            public ushort Flags;
            public int FlagsOffset;
        }

        /// <summary>Just enough of ELF64 little-endian to read version needs and versioned dynamic symbols.</summary>
        sealed class ElfReader
        {
            const uint ShtDynsym = 11, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;
            readonly byte[] _b;
            readonly List<(uint Type, long Offset, long Size, int Link, long EntSize)> _sections = new();

            public ElfReader(byte[] bytes)
            {
                _b = bytes;
                if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
                    throw new InvalidDataException("not an ELF file.");
                if (bytes[4] != 2 || bytes[5] != 1)
                    throw new InvalidDataException("only 64-bit little-endian ELF files are supported.");
                long shoff = I64(0x28);
                int shentsize = U16(0x3A), shnum = U16(0x3C);
                for (int i = 0; i < shnum; i++)
                {
                    long h = shoff + (long)i * shentsize;
                    _sections.Add((U32(h + 4), I64(h + 0x18), I64(h + 0x20), (int)U32(h + 0x28), I64(h + 0x38)));
                }
            }

            public VersionNeed? FindVersionNeed(string version)
            {
                foreach (var s in _sections)
                {
                    if (s.Type != ShtVerneed) continue;
                    long strtab = _sections[s.Link].Offset;
                    long vn = s.Offset;
                    while (true)
                    {
                        int count = U16(vn + 2);
                        long aux = vn + U32(vn + 8);
                        for (int i = 0; i < count; i++)
                        {
                            if (Str(strtab + U32(aux + 8)) == version)
                                return new VersionNeed { Flags = (ushort)U16(aux + 4), FlagsOffset = (int)(aux + 4), Index = (ushort)U16(aux + 6) };
                            aux += U32(aux + 12);
                        }
                        uint next = U32(vn + 12);
                        if (next == 0) break;
                        vn += next;
                    }
                }
                return null;
            }

            public List<string> SymbolsWithVersionIndex(ushort index)
            {
                var names = new List<string>();
                int dynsym = _sections.FindIndex(s => s.Type == ShtDynsym);
                int versym = _sections.FindIndex(s => s.Type == ShtVersym);
                if (dynsym < 0 || versym < 0) throw new InvalidDataException("no dynamic symbol or version table.");
                var sym = _sections[dynsym];
                long strtab = _sections[sym.Link].Offset;
                long count = sym.Size / sym.EntSize;
                for (long i = 0; i < count; i++)
                {
                    int v = U16(_sections[versym].Offset + 2 * i) & 0x7fff;
                    if (v == index) names.Add(Str(strtab + U32(sym.Offset + i * sym.EntSize)));
                }
                return names;
            }

            int U16(long o) => _b[o] | (_b[o + 1] << 8);
            uint U32(long o) => BitConverter.ToUInt32(_b, (int)o);
            long I64(long o) => BitConverter.ToInt64(_b, (int)o);
            string Str(long o)
            {
                long end = o;
                while (_b[end] != 0) end++;
                return Encoding.ASCII.GetString(_b, (int)o, (int)(end - o));
            }
        }
    }
}
