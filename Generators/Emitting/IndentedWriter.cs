using System.Text;

namespace LinearDsl.Generators.Emitting
{
    /// <summary>A small writer of indented source lines (four spaces a level, "\n" line ends).</summary>
    internal sealed class IndentedWriter
    {
        readonly StringBuilder _text = new StringBuilder();
        int _depth;

        public IndentedWriter Line(string line = "")
        {
            if (line.Length > 0) _text.Append(' ', _depth * 4).Append(line);
            _text.Append('\n');
            return this;
        }

        public IndentedWriter Open(string line)
        {
            Line(line).Line("{");
            _depth++;
            return this;
        }

        public IndentedWriter Close(string suffix = "")
        {
            _depth--;
            return Line("}" + suffix);
        }

        public override string ToString() => _text.ToString();
    }
}
