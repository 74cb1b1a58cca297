using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TextDatasets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Description",
                table: "Datasets",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TextOptions",
                table: "Datasets",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TokenizerArtifact",
                table: "Datasets",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Description",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "TextOptions",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "TokenizerArtifact",
                table: "Datasets");
        }
    }
}
