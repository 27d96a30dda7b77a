// Every export of a declaration file as TypeScript prints it: functions with their call
// signatures, interfaces, classes and object type aliases member by member, consts with their
// type, enums with their values. Members are sorted by name, so moving code around is not an
// API change; overloads keep their order, which is.
import ts from 'typescript';

const FLAGS =
  ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
const ARROW = FLAGS | ts.TypeFormatFlags.WriteArrowStyleSignature;

export interface ExportedName {
  name: string;
  isValue: boolean;
  /** The other published package that declares it, when it is re-exported from there. */
  from?: string;
  /** Its declaration, one line per member; empty when `from` is set. */
  lines: string[];
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en');

/**
 * Printed types name a type by itself. A qualifier the printer adds for a type it cannot name
 * from nowhere in particular (`import("/abs/dist/sdk-Cl1hlJtd").Spool`) would put this
 * machine's paths and the bundler's chunk hashes into the report, and the `$1` the declaration
 * bundler appends to a name that clashes inside a chunk (`Client$1`, exported as `Client`)
 * changes with what else the chunk holds.
 */
function tidy(text: string): string {
  return text
    .replace(/\b([A-Za-z_][\w]*)\$\d+\b/g, '$1')
    .replace(/import\("[^"]*"\)\./g, '')
    .replace(/import\("[^"]*?([^/"]+?)(?:-[\w]{8})?(?:\.d)?(?:\.[cm]?[jt]s)?"\)/g, 'import("$1")');
}

function isTypeOnly(checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  let current: ts.Symbol | undefined = symbol;
  while (current && current.flags & ts.SymbolFlags.Alias) {
    if (current.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d))) return true;
    current = checker.getImmediateAliasedSymbol(current);
  }
  return false;
}

/** What describes one module's exports; `packageOf` names the published package of a file. */
export class Describer {
  /** The package whose entry is being described. */
  private own: string | undefined;

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly packageOf: (fileName: string) => string | undefined,
  ) {}

  exportsOf(file: ts.SourceFile): ExportedName[] {
    const checker = this.checker;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    const own = this.packageOf(file.fileName);
    this.own = own;
    const exported = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    return exported
      .map((symbol): ExportedName => {
        const name = symbol.getName();
        const target =
          symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const isValue = (target.flags & ts.SymbolFlags.Value) !== 0 && !isTypeOnly(checker, symbol);
        const home = target.declarations?.[0];
        const from = home && this.packageOf(home.getSourceFile().fileName);
        if (from && from !== own) return { name, isValue, from, lines: [] };
        const lines = this.declaration(name, target);
        if (!isValue && target.flags & ts.SymbolFlags.Value && lines[0]) {
          lines[0] = `/* type-only export */ ${lines[0]}`;
        }
        return { name, isValue, lines };
      })
      .sort((a, b) => byName(a.name, b.name));
  }

  private text(type: ts.Type, flags = ARROW): string {
    return tidy(this.checker.typeToString(type, undefined, flags));
  }

  private signature(signature: ts.Signature): string {
    return tidy(this.checker.signatureToString(signature, undefined, FLAGS));
  }

  private declaration(name: string, symbol: ts.Symbol): string[] {
    const flags = symbol.flags;
    const lines: string[] = [];
    if (flags & ts.SymbolFlags.Class) lines.push(...this.classOf(name, symbol));
    else if (flags & ts.SymbolFlags.Interface) lines.push(...this.interfaceOf(name, symbol));
    if (flags & ts.SymbolFlags.TypeAlias) lines.push(...this.aliasOf(name, symbol));
    if (flags & ts.SymbolFlags.Enum) lines.push(...this.enumOf(name, symbol));
    if (flags & ts.SymbolFlags.Function) {
      const type = this.checker.getTypeOfSymbol(symbol);
      for (const s of type.getCallSignatures()) lines.push(`function ${name}${this.signature(s)};`);
    }
    if (flags & ts.SymbolFlags.Variable) {
      const declaration = symbol.valueDeclaration;
      const nodeFlags = declaration ? ts.getCombinedNodeFlags(declaration) : 0;
      const keyword = nodeFlags & ts.NodeFlags.Const ? 'const' : 'let';
      lines.push(`${keyword} ${name}: ${this.text(this.checker.getTypeOfSymbol(symbol))};`);
    }
    if (flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) {
      const members = this.checker.getExportsOfModule(symbol);
      const body = members.sort((a, b) => byName(a.name, b.name));
      lines.push(
        `namespace ${name} {`,
        ...body.flatMap((m) => indent(this.declaration(m.name, m))),
      );
      lines.push('}');
    }
    return lines;
  }

  private typeParameters(symbol: ts.Symbol): string {
    const declaration = symbol.declarations?.find(
      (d) =>
        ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d),
    ) as ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration | undefined;
    const parameters = declaration?.typeParameters ?? [];
    if (parameters.length === 0) return '';
    const printed = parameters.map((node) => {
      const parameter = this.checker.getTypeAtLocation(node);
      const constraint = parameter.getConstraint();
      const fallback = parameter.getDefault();
      return [
        node.name.text,
        constraint ? ` extends ${this.text(constraint)}` : '',
        fallback ? ` = ${this.text(fallback)}` : '',
      ].join('');
    });
    return `<${printed.join(', ')}>`;
  }

  private interfaceOf(name: string, symbol: ts.Symbol): string[] {
    const type = this.checker.getDeclaredTypeOfSymbol(symbol) as ts.InterfaceType;
    const bases = this.checker.getBaseTypes(type).map((base) => this.text(base));
    const heritage = bases.length > 0 ? ` extends ${bases.join(', ')}` : '';
    return block(`interface ${name}${this.typeParameters(symbol)}${heritage}`, this.members(type));
  }

  private classOf(name: string, symbol: ts.Symbol): string[] {
    const checker = this.checker;
    const type = checker.getDeclaredTypeOfSymbol(symbol) as ts.InterfaceType;
    const declaration = symbol.declarations?.find(ts.isClassDeclaration);
    const modifiers = declaration ? ts.getCombinedModifierFlags(declaration) : 0;
    const bases = checker.getBaseTypes(type).map((base) => ` extends ${this.text(base)}`);
    const implemented = (declaration?.heritageClauses ?? [])
      .filter((clause) => clause.token === ts.SyntaxKind.ImplementsKeyword)
      .flatMap((clause) => clause.types.map((node) => this.text(checker.getTypeAtLocation(node))));
    const head = [
      modifiers & ts.ModifierFlags.Abstract ? 'abstract class ' : 'class ',
      name,
      this.typeParameters(symbol),
      ...bases,
      implemented.length > 0 ? ` implements ${implemented.join(', ')}` : '',
    ].join('');
    const staticSide = checker.getTypeOfSymbol(symbol);
    const constructors = staticSide.getConstructSignatures().map((signature) => {
      const printed = this.signature(signature);
      const returned = `: ${this.text(signature.getReturnType())}`;
      const parameters = printed.endsWith(returned) ? printed.slice(0, -returned.length) : printed;
      return `constructor${parameters};`;
    });
    const statics = this.properties(staticSide, 'static ', 'prototype');
    return block(head, [...constructors, ...statics, ...this.members(type)]);
  }

  private aliasOf(name: string, symbol: ts.Symbol): string[] {
    const type = this.checker.getDeclaredTypeOfSymbol(symbol);
    const head = `type ${name}${this.typeParameters(symbol)} =`;
    const members = type.flags & ts.TypeFlags.Object ? this.members(type) : [];
    if (members.length > 0 && type.getCallSignatures().length < members.length) {
      return block(head, members);
    }
    return [`${head} ${this.text(type, ARROW | ts.TypeFormatFlags.InTypeAlias)};`];
  }

  private enumOf(name: string, symbol: ts.Symbol): string[] {
    const members = [...(symbol.exports?.values() ?? [])].map((member) => {
      const declaration = member.valueDeclaration;
      const value =
        declaration && ts.isEnumMember(declaration)
          ? this.checker.getConstantValue(declaration)
          : undefined;
      return `${member.name}${value === undefined ? '' : ` = ${JSON.stringify(value)}`},`;
    });
    return block(`enum ${name}`, members);
  }

  /** Call, construct and index signatures, then the public properties and methods. */
  private members(type: ts.Type): string[] {
    const checker = this.checker;
    const lines = [
      ...type.getCallSignatures().map((s) => `${this.signature(s)};`),
      ...type.getConstructSignatures().map((s) => `new ${this.signature(s)};`),
      ...checker.getIndexInfosOfType(type).map((info) => {
        const key = `[key: ${this.text(info.keyType)}]`;
        return `${info.isReadonly ? 'readonly ' : ''}${key}: ${this.text(info.type)};`;
      }),
    ];
    return [...lines, ...this.properties(type, '')];
  }

  private properties(type: ts.Type, prefix: string, skipped?: string): string[] {
    const visible = this.checker
      .getPropertiesOfType(type)
      .filter((p) => p.name !== skipped && isPublic(p) && !this.inherited(p))
      .sort((a, b) => byName(a.name, b.name));
    return visible.flatMap((property) => this.property(property, prefix));
  }

  /**
   * A member inherited from TypeScript's lib, a dependency or another published package
   * (`Error`'s, Koa's, a core interface an adapter extends) is described there, not here.
   */
  private inherited(property: ts.Symbol): boolean {
    const declarations = property.declarations ?? [];
    return (
      declarations.length > 0 &&
      declarations.every((d) => this.packageOf(d.getSourceFile().fileName) !== this.own)
    );
  }

  private property(property: ts.Symbol, prefix: string): string[] {
    const type = this.checker.getTypeOfSymbol(property);
    const optional = property.flags & ts.SymbolFlags.Optional ? '?' : '';
    const name = /^[A-Za-z_$][\w$]*$/.test(property.name)
      ? property.name
      : JSON.stringify(property.name);
    if (property.flags & ts.SymbolFlags.Method) {
      return type
        .getCallSignatures()
        .map((signature) => `${prefix}${name}${optional}${this.signature(signature)};`);
    }
    const readonly = isReadonly(property) ? 'readonly ' : '';
    return [`${prefix}${readonly}${name}${optional}: ${this.text(type)};`];
  }
}

function block(head: string, members: string[]): string[] {
  return members.length === 0 ? [`${head} {}`] : [`${head} {`, ...indent(members), '}'];
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

function isPublic(property: ts.Symbol): boolean {
  if (property.name.startsWith('#') || property.name.startsWith('__#')) return false;
  const hidden = ts.ModifierFlags.Private | ts.ModifierFlags.Protected;
  return !(property.declarations ?? []).some((d) => ts.getCombinedModifierFlags(d) & hidden);
}

function isReadonly(property: ts.Symbol): boolean {
  const accessors = property.flags & ts.SymbolFlags.Accessor;
  if (accessors === ts.SymbolFlags.GetAccessor) return true;
  return (property.declarations ?? []).some(
    (d) => ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Readonly,
  );
}
