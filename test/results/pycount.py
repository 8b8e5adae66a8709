"""Parameter count of an exported model.py without torch or numpy: reads the file's syntax
tree, takes each nn.Module class's layers from its __init__ (nn.Conv2d, nn.BatchNorm2d,
nn.Linear and sub-modules), and sums from class Network down. Prints the count."""
import ast
import sys


def literal(node, name=None, default=None, call=None):
    if name is not None:
        for kw in call.keywords:
            if kw.arg == name:
                return ast.literal_eval(kw.value)
        return default
    return ast.literal_eval(node)


def layer_params(call):
    f = call.func
    kind = f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "nn" else None
    args = call.args
    if kind == "Conv2d":
        cin, cout, k = (literal(a) for a in args[:3])
        groups = literal(None, "groups", 1, call)
        bias = literal(None, "bias", True, call)
        return cout * (cin // groups) * k * k + (cout if bias else 0)
    if kind == "BatchNorm2d":
        return 2 * literal(args[0]) if literal(None, "affine", True, call) else 0
    if kind == "Linear":
        fin, fout = literal(args[0]), literal(args[1])
        return fin * fout + (fout if literal(None, "bias", True, call) else 0)
    raise ValueError(f"line {call.lineno}: unknown layer {ast.unparse(call)}")


def main(path):
    tree = ast.parse(open(path).read(), path)
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    memo = {}

    def count(name):
        if name in memo:
            return memo[name]
        init = next(f for f in classes[name].body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
        total = 0
        for stmt in ast.walk(init):
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                target = stmt.targets[0]
                if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"):
                    continue
                f = stmt.value.func
                total += count(f.id) if isinstance(f, ast.Name) and f.id in classes else layer_params(stmt.value)
        memo[name] = total
        return total

    print(count("Network"))


if __name__ == "__main__":
    main(sys.argv[1])
